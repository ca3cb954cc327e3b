// Every string the pages show, in Vietnamese (the default) and English.
// Pure: the DOM side (data-i18n attributes, the switch) is in dom.js.
// The organiser console's strings are in admin-i18n.js, which adds them
// here when the console loads it: phones joining on the hall's Wi-Fi do
// not download them.

import { ROSTER_EN, ROSTER_VI } from './i18n-roster.js';
import { OFFICIAL_EN, OFFICIAL_VI } from './i18n-official.js';
import { FOLLOW_EN, FOLLOW_VI } from './i18n-follow.js';
import { PANEL_EN, PANEL_VI } from './i18n-panel.js';
import { REPORT_EN, REPORT_VI } from './i18n-report.js';

/** @typedef {'vi' | 'en'} Lang */
/** @typedef {import('./protocol').ErrorCode} ErrorCode */

const VI = {
  ...ROSTER_VI,
  ...OFFICIAL_VI,
  ...FOLLOW_VI,
  ...PANEL_VI,
  ...REPORT_VI,
  'lang.switch': 'English',
  'lang.switch.label': 'Switch to English',
  'app.name': 'Hỏi đáp',
  'conn.connecting': 'Đang kết nối…',
  'conn.reconnecting': 'Mất kết nối, đang kết nối lại…',
  'refused.title': 'Không thể tham gia',
  'refused.unknown_event': 'Không tìm thấy hội nghị có mã này. Vui lòng kiểm tra lại đường dẫn hoặc mã tham gia.',
  'refused.bad_secret': 'Đường dẫn không hợp lệ. Vui lòng dùng đúng đường dẫn được cấp.',
  'refused.no_secret': 'Trang này cần đường dẫn đầy đủ do ban tổ chức cấp (có mã bí mật ở cuối). Vui lòng mở lại đường dẫn đó trong thẻ này.',
  'refused.unsupported_version': 'Trang này đã cũ. Vui lòng tải lại trang.',
  'refused.home': 'Nhập mã tham gia khác',
  'err.too_long': 'Câu hỏi quá dài so với giới hạn cho phép.',
  'err.invalid_text': 'Nội dung trống hoặc có ký tự không hợp lệ.',
  'err.anonymous_not_allowed': 'Hội nghị không cho phép gửi ẩn danh.',
  'err.phase_closed': 'Phiên hỏi đáp hiện không nhận thao tác này.',
  'err.unavailable': 'Máy chủ tạm thời không lưu được. Vui lòng thử lại.',
  'err.unknown_question': 'Câu hỏi này không còn nữa.',
  'err.invalid_transition': 'Câu hỏi đã được người khác xử lý.',
  'err.forbidden': 'Bạn không có quyền thực hiện thao tác này.',
  'err.generic': 'Đã có lỗi. Vui lòng thử lại.',
  'err.rate_limited': 'Thao tác quá nhanh. Hệ thống sẽ tự gửi lại sau ít giây.',
  'err.rate_limited.join': 'Có quá nhiều lượt tham gia mới từ mạng này. Hệ thống sẽ tự thử lại sau ít giây.',
  'err.quota_exceeded': 'Đồng chí đã có nhiều câu hỏi đang chờ duyệt, hoặc hội nghị đã nhận đủ số câu hỏi tối đa. Vui lòng chờ chủ tọa xử lý.',
  'mod.source.warn': '{n}% lượt ủng hộ từ cùng một địa chỉ mạng',
  'mod.source.title': 'Phần lớn lượt ủng hộ câu hỏi này đến từ một thiết bị hoặc một mạng. Nếu cả hội trường dùng chung một điểm truy cập (NAT) thì điều này là bình thường.',
  'status.pending': 'Chờ duyệt',
  'status.live': 'Đã đăng',
  'status.answered': 'Đã trả lời',
  'status.hidden': 'Không hiển thị',
  'status.current': 'Đang trả lời',
  'status.queued': 'Chờ gửi',
  'status.sending': 'Đang gửi',
  'status.failed': 'Không gửi được',
  'q.anonymous': 'Ẩn danh',
  'q.mine': 'Câu hỏi của tôi',
  'votes.n': '{n} lượt ủng hộ',
  'votes.one': '{n} lượt ủng hộ',
  'votes.unit.n': 'lượt ủng hộ',
  'votes.unit.one': 'lượt ủng hộ',
  'vote.button': 'Ủng hộ câu hỏi',
  'vote.queued': 'chờ gửi',
  'now.label': 'Đang trả lời',
  'att.title': 'Đặt câu hỏi',
  'att.ask.open': 'Đặt câu hỏi',
  'att.ask.heading': 'Đặt câu hỏi',
  'att.ask.label': 'Nội dung câu hỏi',
  'att.ask.placeholder': 'Nhập câu hỏi của đồng chí…',
  'att.ask.name': 'Họ và tên',
  'att.ask.unit': 'Đơn vị',
  'att.ask.optional': '(không bắt buộc)',
  'identity.legend': 'Ai sẽ thấy tên của đồng chí?',
  'identity.choose': 'Vui lòng chọn ai sẽ thấy tên của đồng chí trước khi gửi.',
  'identity.named': 'Ghi tên và đơn vị',
  'identity.named.who': 'Mọi người đều thấy họ tên và đơn vị của đồng chí: đại biểu trong hội trường, màn hình chiếu và chủ tọa.',
  'identity.unit_only': 'Chỉ ghi đơn vị',
  'identity.unit_only.who': 'Mọi người chỉ thấy đơn vị của đồng chí; họ tên không được gửi đi.',
  'identity.hidden_from_hall': 'Ẩn danh với hội trường',
  'identity.hidden_from_hall.who': 'Hội trường và màn hình chiếu không thấy tên; chủ tọa và ban điều hành thấy họ tên và đơn vị của đồng chí.',
  'identity.anonymous': 'Ẩn danh hoàn toàn',
  'identity.anonymous.who': 'Không ai biết đồng chí là người hỏi, kể cả chủ tọa và ban tổ chức; họ tên và đơn vị không được gửi đi.',
  'att.ask.submit': 'Gửi câu hỏi',
  'att.ask.sending': 'Đang gửi…',
  'att.ask.close': 'Đóng',
  'att.ask.counter': '{n}/{max} ký tự',
  'att.ask.too_long': 'Vượt quá {max} ký tự',
  'att.ask.empty': 'Vui lòng nhập nội dung câu hỏi.',
  'att.sent.pending': 'Đã gửi. Câu hỏi sẽ hiển thị sau khi chủ tọa duyệt.',
  'att.sent.live': 'Đã gửi câu hỏi.',
  'att.queued': 'Câu hỏi đã được lưu trên máy và sẽ tự gửi khi có kết nối.',
  'att.phase.voting_only': 'Đã ngừng nhận câu hỏi mới; vẫn có thể ủng hộ câu hỏi.',
  'att.phase.closed': 'Phiên hỏi đáp đã kết thúc.',
  'att.mine': 'Câu hỏi của tôi',
  'att.queue': 'Danh sách câu hỏi',
  'att.tab.popular': 'Nổi bật',
  'att.tab.recent': 'Mới nhất',
  'att.tab.answered': 'Đã trả lời',
  'att.empty.open': 'Chưa có câu hỏi nào. Hãy là người đầu tiên đặt câu hỏi.',
  'att.empty.answered': 'Chưa có câu hỏi nào được trả lời.',
  'mod.title': 'Chủ tọa',
  'mod.read_only': 'Bạn đang xem với quyền chỉ xem: không duyệt, ẩn hay chọn câu hỏi.',
  'mod.unwritable': 'Máy chủ không ghi được dữ liệu (ổ đĩa đầy hoặc chỉ đọc): thao tác mới chưa được lưu. Màn hình vẫn hiển thị câu hỏi; báo ngay cho kỹ thuật viên.',
  'staff.role.chair': 'Chủ tọa',
  'staff.role.moderator': 'Điều hành viên',
  'staff.role.screen': 'Màn hình',
  'staff.role.observer': 'Quan sát viên',
  'staff.role.official': 'Người trả lời',
  'staff.role.clerk': 'Thư ký',
  'refused.revoked': 'Đường dẫn cá nhân này đã bị thu hồi hoặc cấp lại. Vui lòng liên hệ ban tổ chức để nhận đường dẫn mới.',
  'mod.presence': '{n} đại biểu đang kết nối',
  'pres.heading': 'Ai đang kết nối',
  'pres.no_screen': '⚠ Chưa có màn hình chiếu nào kết nối',
  'pres.screens.on': 'Màn hình: đã kết nối ({n})',
  'pres.screens.off': 'Màn hình: chưa kết nối',
  'pres.on': 'đang kết nối',
  'pres.on.n': 'đang kết nối ({n})',
  'pres.off': 'chưa kết nối',
  'pres.shared': 'Đường dẫn chủ tọa chung: {n} kết nối',
  'pres.attendees': 'Người tham gia: {p} ({n} thiết bị)',
  'pres.roster': 'Đại biểu: {claimed}/{total} đã nhận thẻ, {present} đang kết nối',
  'mod.code': 'Mã tham gia',
  'mod.filters': 'Lọc câu hỏi',
  'mod.filter.pending': 'Chờ duyệt',
  'mod.filter.live': 'Đã đăng',
  'mod.filter.answered': 'Đã trả lời',
  'mod.filter.hidden': 'Đã ẩn',
  'mod.filter.all': 'Tất cả',
  'mod.search': 'Tìm kiếm',
  'mod.search.placeholder': 'Tìm (không cần gõ dấu)',
  'mod.empty': 'Không có câu hỏi nào ở mục này.',
  'mod.new_pending': '{n} câu hỏi mới chờ duyệt',
  'mod.original': 'Nguyên văn:',
  'mod.asked_at': 'lúc {time}',
  'mod.current.none': 'Chưa chọn câu hỏi nào để trả lời.',
  'mod.act.approve': 'Duyệt',
  'mod.act.hide': 'Ẩn',
  'mod.act.restore': 'Khôi phục',
  'mod.act.mark_answered': 'Đánh dấu đã trả lời',
  'mod.act.reopen': 'Mở lại',
  'mod.act.set_current': 'Chọn trả lời',
  'mod.act.clear_current': 'Bỏ chọn',
  'mod.act.edit': 'Sửa',
  'mod.act.save': 'Lưu',
  'mod.act.cancel': 'Hủy',
  'mod.edit.label': 'Sửa nội dung câu hỏi',
  'mod.settings': 'Cài đặt phiên',
  'mod.set.pre_moderation': 'Duyệt câu hỏi trước khi hiển thị',
  'mod.set.allow_anonymous': 'Cho phép hỏi ẩn danh',
  'mod.set.phase': 'Trạng thái phiên',
  'mod.phase.open': 'Nhận câu hỏi và ủng hộ',
  'mod.phase.voting_only': 'Chỉ ủng hộ, ngừng nhận câu hỏi',
  'mod.phase.closed': 'Đóng',
  'mod.help': 'Phím tắt',
  'mod.help.open': 'Phím tắt (?)',
  'mod.help.close': 'Đóng',
  'mod.key.next': 'Câu hỏi kế tiếp',
  'mod.key.prev': 'Câu hỏi phía trên',
  'mod.key.approve': 'Duyệt',
  'mod.key.hide': 'Ẩn',
  'mod.key.current': 'Chọn trả lời / bỏ chọn',
  'mod.key.done': 'Đánh dấu đã trả lời',
  'mod.key.edit': 'Sửa nội dung',
  'mod.key.search': 'Tìm kiếm',
  'mod.key.filters': 'Chuyển mục lọc',
  'mod.key.help': 'Hiện bảng phím tắt',
  'mod.links': 'Đường dẫn cho đại biểu',
  'scr.now': 'Đang trả lời',
  'scr.next': 'Câu hỏi tiếp theo',
  'scr.join': 'Quét mã QR hoặc truy cập',
  'scr.code': 'Mã tham gia',
  'scr.qr_alt': 'Mã QR để tham gia đặt câu hỏi',
  'scr.join_short': 'Đặt câu hỏi tại',
  'idx.title': 'Hỏi đáp — tham gia',
  'idx.heading': 'Hỏi đáp trực tuyến',
  'idx.lead': 'Nhập mã tham gia hiển thị trên màn hình hội trường, hoặc quét mã QR.',
  'idx.code': 'Mã tham gia',
  'idx.join': 'Tham gia',
  'idx.invalid': 'Mã tham gia gồm chữ và số, ví dụ K7M2QP.',
};

/** @typedef {keyof typeof VI} PageKey */
/** @typedef {PageKey | keyof typeof import('./admin-i18n.js').ADMIN_VI} Key */

/** @type {Record<PageKey, string>} */
const EN = {
  ...ROSTER_EN,
  ...OFFICIAL_EN,
  ...FOLLOW_EN,
  ...PANEL_EN,
  ...REPORT_EN,
  'lang.switch': 'Tiếng Việt',
  'lang.switch.label': 'Chuyển sang tiếng Việt',
  'app.name': 'Questions',
  'conn.connecting': 'Connecting…',
  'conn.reconnecting': 'Connection lost, reconnecting…',
  'refused.title': 'Cannot join',
  'refused.unknown_event': 'No event has this code. Please check the link or the join code.',
  'refused.bad_secret': 'This link is not valid. Please use the link you were given.',
  'refused.no_secret': 'This page needs the full link you were given (with the secret at its end). Please open that link again in this tab.',
  'refused.unsupported_version': 'This page is out of date. Please reload it.',
  'refused.home': 'Enter another join code',
  'err.too_long': 'The question is longer than allowed.',
  'err.invalid_text': 'The text is empty or contains characters that are not allowed.',
  'err.anonymous_not_allowed': 'This event does not allow anonymous questions.',
  'err.phase_closed': 'The session does not accept this right now.',
  'err.unavailable': 'The server could not save this. Please try again.',
  'err.unknown_question': 'This question is no longer there.',
  'err.invalid_transition': 'Someone else has already handled this question.',
  'err.forbidden': 'You are not allowed to do this.',
  'err.generic': 'Something went wrong. Please try again.',
  'err.rate_limited': 'Too fast. This will be sent again in a few seconds.',
  'err.rate_limited.join': 'Too many new participants from this network. Trying again in a few seconds.',
  'err.quota_exceeded': 'You have many questions awaiting approval, or the event has reached its maximum number of questions. Please wait for the moderators.',
  'mod.source.warn': '{n}% of votes from one network address',
  'mod.source.title': 'Most votes on this question come from one device or one network. This is normal if the whole hall shares one access point (NAT).',
  'status.pending': 'Waiting for approval',
  'status.live': 'Live',
  'status.answered': 'Answered',
  'status.hidden': 'Not shown',
  'status.current': 'Being answered',
  'status.queued': 'Waiting to send',
  'status.sending': 'Sending',
  'status.failed': 'Not sent',
  'q.anonymous': 'Anonymous',
  'q.mine': 'My question',
  'votes.n': '{n} votes',
  'votes.one': '{n} vote',
  'votes.unit.n': 'votes',
  'votes.unit.one': 'vote',
  'vote.button': 'Upvote question',
  'vote.queued': 'waiting to send',
  'now.label': 'Being answered now',
  'att.title': 'Ask a question',
  'att.ask.open': 'Ask a question',
  'att.ask.heading': 'Ask a question',
  'att.ask.label': 'Your question',
  'att.ask.placeholder': 'Type your question…',
  'att.ask.name': 'Name',
  'att.ask.unit': 'Unit',
  'att.ask.optional': '(optional)',
  'identity.legend': 'Who will see your name?',
  'identity.choose': 'Please choose who will see your name before sending.',
  'identity.named': 'With my name and unit',
  'identity.named.who': 'Everyone sees your name and unit: the people in the hall, the screen and the chair.',
  'identity.unit_only': 'Unit only',
  'identity.unit_only.who': 'Everyone sees only your unit; your name is not sent.',
  'identity.hidden_from_hall': 'Anonymous to the hall',
  'identity.hidden_from_hall.who': 'The hall and the screen do not see your name; the chair and the moderators see your name and unit.',
  'identity.anonymous': 'Anonymous to everyone',
  'identity.anonymous.who': 'Nobody knows you asked, not even the chair or the organisers; your name and unit are not sent.',
  'att.ask.submit': 'Send question',
  'att.ask.sending': 'Sending…',
  'att.ask.close': 'Close',
  'att.ask.counter': '{n}/{max} characters',
  'att.ask.too_long': 'Over the {max}-character limit',
  'att.ask.empty': 'Please type your question.',
  'att.sent.pending': 'Sent. Your question will appear once the chair approves it.',
  'att.sent.live': 'Question sent.',
  'att.queued': 'Your question is saved on this device and will be sent as soon as there is a connection.',
  'att.phase.voting_only': 'New questions are closed; you can still upvote.',
  'att.phase.closed': 'The question session is closed.',
  'att.mine': 'My questions',
  'att.queue': 'Questions',
  'att.tab.popular': 'Popular',
  'att.tab.recent': 'Recent',
  'att.tab.answered': 'Answered',
  'att.empty.open': 'No questions yet. Be the first to ask.',
  'att.empty.answered': 'No question has been answered yet.',
  'mod.title': 'Presiding panel',
  'mod.read_only': 'You are watching read-only: you cannot approve, hide or choose questions.',
  'mod.unwritable': 'The server cannot store data (disk full or read-only): new actions are not saved. Screens still show the questions; tell the technician now.',
  'staff.role.chair': 'Chair',
  'staff.role.moderator': 'Moderator',
  'staff.role.screen': 'Screen',
  'staff.role.observer': 'Observer',
  'staff.role.official': 'Official',
  'staff.role.clerk': 'Clerk',
  'refused.revoked': 'This personal link was revoked or re-issued. Please ask the organisers for the new link.',
  'mod.presence': '{n} participants connected',
  'pres.heading': 'Who is connected',
  'pres.no_screen': '⚠ No projector screen is connected',
  'pres.screens.on': 'Screen: connected ({n})',
  'pres.screens.off': 'Screen: not connected',
  'pres.on': 'connected',
  'pres.on.n': 'connected ({n})',
  'pres.off': 'not connected',
  'pres.shared': 'Shared panel link: {n} connected',
  'pres.attendees': 'Participants: {p} ({n} devices)',
  'pres.roster': 'Delegates: {claimed}/{total} cards claimed, {present} connected',
  'mod.code': 'Join code',
  'mod.filters': 'Filter questions',
  'mod.filter.pending': 'Pending',
  'mod.filter.live': 'Live',
  'mod.filter.answered': 'Answered',
  'mod.filter.hidden': 'Hidden',
  'mod.filter.all': 'All',
  'mod.search': 'Search',
  'mod.search.placeholder': 'Search (diacritics optional)',
  'mod.empty': 'No questions here.',
  'mod.new_pending': '{n} new questions awaiting approval',
  'mod.original': 'Original:',
  'mod.asked_at': 'at {time}',
  'mod.current.none': 'No question is being answered.',
  'mod.act.approve': 'Approve',
  'mod.act.hide': 'Hide',
  'mod.act.restore': 'Restore',
  'mod.act.mark_answered': 'Mark as answered',
  'mod.act.reopen': 'Reopen',
  'mod.act.set_current': 'Make current',
  'mod.act.clear_current': 'Clear current',
  'mod.act.edit': 'Edit',
  'mod.act.save': 'Save',
  'mod.act.cancel': 'Cancel',
  'mod.edit.label': 'Edit the question text',
  'mod.settings': 'Session settings',
  'mod.set.pre_moderation': 'Approve questions before they are shown',
  'mod.set.allow_anonymous': 'Allow anonymous questions',
  'mod.set.phase': 'Session phase',
  'mod.phase.open': 'Open for questions and votes',
  'mod.phase.voting_only': 'Voting only, no new questions',
  'mod.phase.closed': 'Closed',
  'mod.help': 'Keyboard shortcuts',
  'mod.help.open': 'Shortcuts (?)',
  'mod.help.close': 'Close',
  'mod.key.next': 'Next question',
  'mod.key.prev': 'Previous question',
  'mod.key.approve': 'Approve',
  'mod.key.hide': 'Hide',
  'mod.key.current': 'Make current / clear current',
  'mod.key.done': 'Mark answered',
  'mod.key.edit': 'Edit text',
  'mod.key.search': 'Search',
  'mod.key.filters': 'Switch filter',
  'mod.key.help': 'Show this list',
  'mod.links': 'Link for participants',
  'scr.now': 'Now answering',
  'scr.next': 'Up next',
  'scr.join': 'Scan the QR code or visit',
  'scr.code': 'Join code',
  'scr.qr_alt': 'QR code to join and ask questions',
  'scr.join_short': 'Ask at',
  'idx.title': 'Questions — join',
  'idx.heading': 'Live questions',
  'idx.lead': 'Enter the join code shown on the hall screen, or scan the QR code.',
  'idx.code': 'Join code',
  'idx.join': 'Join',
  'idx.invalid': 'The join code has letters and digits, e.g. K7M2QP.',
};

/**
 * Every string by language: the pages' own, and whatever `addStrings`
 * brought (the console's).
 * @type {Record<Lang, Record<string, string>>}
 */
export const STRINGS = { vi: { ...VI }, en: { ...EN } };

/**
 * Adds a page's own strings (the console's), both languages at once.
 * @param {Record<string, string>} vi
 * @param {Record<string, string>} en
 */
export function addStrings(vi, en) {
  Object.assign(STRINGS.vi, vi);
  Object.assign(STRINGS.en, en);
}

/**
 * @param {unknown} value
 * @returns {value is Key}
 */
export function isKey(value) {
  return typeof value === 'string' && Object.hasOwn(STRINGS.vi, value);
}

/**
 * @param {Lang} lang
 * @param {Key} key
 * @param {Record<string, string | number>} [params] replaces `{name}`
 * @returns {string}
 */
export function t(lang, key, params) {
  const text = STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/**
 * "1 vote", "2 votes"; Vietnamese does not inflect.
 * @param {Lang} lang
 * @param {number} n
 * @returns {string}
 */
export function votesText(lang, n) {
  return t(lang, n === 1 ? 'votes.one' : 'votes.n', { n });
}

/**
 * The word after a count shown on its own ("3" + "votes").
 * @param {Lang} lang
 * @param {number} n
 * @returns {string}
 */
export function votesUnit(lang, n) {
  return t(lang, n === 1 ? 'votes.unit.one' : 'votes.unit.n');
}

/** Error codes people can act on get their own sentence; the rest a generic one. */
const ERROR_KEYS = /** @type {const} */ ({
  too_long: 'err.too_long',
  invalid_text: 'err.invalid_text',
  anonymous_not_allowed: 'err.anonymous_not_allowed',
  phase_closed: 'err.phase_closed',
  unavailable: 'err.unavailable',
  unknown_question: 'err.unknown_question',
  invalid_transition: 'err.invalid_transition',
  forbidden: 'err.forbidden',
  rate_limited: 'err.rate_limited',
  quota_exceeded: 'err.quota_exceeded',
  code_required: 'err.code_required',
  unknown_code: 'card.unknown_code',
  moved: 'card.moved',
  unknown_event: 'refused.unknown_event',
  bad_secret: 'refused.bad_secret',
  revoked: 'refused.revoked',
  unsupported_version: 'refused.unsupported_version',
});

/**
 * A message for an error code from the server.
 * @param {Lang} lang
 * @param {ErrorCode | string} code
 * @returns {string}
 */
export function errorText(lang, code) {
  const key = /** @type {Record<string, Key>} */ (ERROR_KEYS)[code];
  return t(lang, key ?? 'err.generic');
}

/**
 * The language to use: what the person chose on this device, else Vietnamese.
 * @param {string | null} stored
 * @returns {Lang}
 */
export function pickLang(stored) {
  return stored === 'en' ? 'en' : 'vi';
}

/**
 * Hours and minutes, as people in the hall read a clock.
 * @param {Lang} lang
 * @param {number} ms since the epoch
 * @returns {string}
 */
export function formatTime(lang, ms) {
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(ms));
}
