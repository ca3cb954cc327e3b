// The strings of roster events on the attendee's phone (the delegate's
// card), in Vietnamese and English; spread into i18n.js's tables.

export const ROSTER_VI = {
  'card.heading': 'Nhận thẻ đại biểu',
  'card.intro': 'Hội nghị này dành cho đại biểu có tên trong danh sách: mỗi đại biểu một lượt ủng hộ cho mỗi câu hỏi. Quét mã QR trên thẻ đại biểu, hoặc nhập mã in trên thẻ. Chưa nhận thẻ, đồng chí vẫn xem được danh sách câu hỏi.',
  'card.label': 'Mã đại biểu',
  'card.hint': 'Gồm 8 chữ và số, ví dụ ABCD-EFGH; không phân biệt chữ hoa, chữ thường. Nếu đang bật bộ gõ tiếng Việt (Telex, VNI), hãy tắt khi nhập mã.',
  'card.submit': 'Nhận thẻ',
  'card.checking': 'Đang kiểm tra mã…',
  'card.invalid': 'Mã gồm 8 chữ và số (không có 0, O, 1, I, L). Vui lòng nhập lại đúng như in trên thẻ.',
  'card.unknown_code': 'Mã này không đúng, hoặc thẻ đã được ban tổ chức cấp lại. Vui lòng kiểm tra lại thẻ.',
  'card.moved': 'Thẻ đại biểu của đồng chí vừa được dùng trên một thiết bị khác (hoặc đã được cấp lại), nên thiết bị này không còn đại diện cho đồng chí. Nếu không phải đồng chí, hãy báo ban tổ chức.',
  'card.you': 'Đại biểu: {who}',
  'card.named_by_roster': 'Tên và đơn vị lấy theo danh sách đại biểu.',
  'err.code_required': 'Cần nhận thẻ đại biểu trước khi đặt câu hỏi hoặc ủng hộ.',
};

/** @type {Record<keyof typeof ROSTER_VI, string>} */
export const ROSTER_EN = {
  'card.heading': 'Claim your delegate card',
  'card.intro': 'This meeting is for the delegates on its roster: one vote per delegate on each question. Scan the QR code on your delegate card, or type the code printed on it. Until then you can still read the questions.',
  'card.label': 'Delegate code',
  'card.hint': '8 letters and digits, e.g. ABCD-EFGH; upper or lower case. If Vietnamese typing (Telex, VNI) is on, turn it off for the code.',
  'card.submit': 'Claim card',
  'card.checking': 'Checking the code…',
  'card.invalid': 'The code has 8 letters and digits (no 0, O, 1, I, L). Please type it exactly as printed on the card.',
  'card.unknown_code': 'This code is not right, or the organiser has issued a new card. Please check the card.',
  'card.moved': 'Your delegate card was just used on another device (or re-issued), so this device no longer speaks for you. If that was not you, tell the organisers.',
  'card.you': 'Delegate: {who}',
  'card.named_by_roster': 'Your name and unit come from the delegate roster.',
  'err.code_required': 'Claim your delegate card before asking or voting.',
};
