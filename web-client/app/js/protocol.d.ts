// Generated from protocol/src/lib.rs by `cargo test -p hoidap-protocol --features ts`.
// Do not edit by hand.

export const PROTOCOL_VERSION = 1;

export type Role = "attendee" | "moderator" | "screen";

export type QuestionStatus = "pending" | "live" | "answered" | "hidden" | "in_writing" | "forwarded" | "answered_in_writing" | "not_satisfied";

export type Phase = "open" | "voting_only" | "closed";

export type Settings = { 
/**
 * New questions wait for approval before attendees see them.
 */
pre_moderation: boolean, 
/**
 * Attendees may ask without their name and unit being shown publicly.
 */
allow_anonymous: boolean, 
/**
 * Maximum question length in Unicode scalar values (characters, not bytes).
 */
max_length: number, 
/**
 * What askers may choose to show of themselves, in this order
 * (`Identity`). Absent in logs written before the levels existed: the
 * server fills it in from `allow_anonymous` (`named`, and
 * `hidden_from_hall` when anonymous questions were allowed), so every
 * settings it sends has it.
 */
identities?: Array<Identity>, 
/**
 * Only the chair (and the event's shared moderator link) may choose
 * the current question; moderators prepare the queue. Absent in logs
 * written before staff existed: false.
 */
chair_sets_current: boolean, 
/**
 * Roster mode: only delegates on the organiser's roster, each through
 * their personal code, may ask and vote (one vote per delegate). Set
 * by the organiser only. Absent in older logs: false (open event).
 */
roster: boolean, 
/**
 * The asker picks a topic and the official the question is addressed
 * to ("Kính gửi"). Absent in older logs: false.
 */
asker_routes: boolean, 
/**
 * What the projector shows. Absent in older logs: the up-next list
 * and vote counts, no routing line, not blank.
 */
screen: ScreenSettings, 
/**
 * Days the askers' names and units are kept after the follow-up
 * period (the event closed, and its latest due date passed); then
 * they are detached from the questions. Absent: kept until the
 * organiser detaches them. Set by the organiser only.
 */
retention_days?: number, 
/**
 * Staff roles that may export the event besides the organiser and
 * the chair (moderator, official, clerk, observer; a screen never).
 * Set by the organiser only. Absent in older logs: none.
 */
export_roles: Array<StaffRole>, };

export type Identity = "named" | "unit_only" | "hidden_from_hall" | "anonymous";

export type StaffRole = "chair" | "moderator" | "screen" | "observer" | "official" | "clerk";

export type StaffWho = { 
/**
 * Stable within the event, e.g. `s3`.
 */
id: string, name: string, role: StaffRole, };

export type StaffPresence = { id: string, name: string, role: StaffRole, 
/**
 * Open connections through their personal link.
 */
connections: number, };

export type LinkPresence = { 
/**
 * Panel connections through the shared moderator link.
 */
moderator: number, 
/**
 * Screen connections through the shared screen link.
 */
screen: number, };

export type RosterPresence = { 
/**
 * Delegates whose personal code was claimed on a device.
 */
claimed: number, 
/**
 * Delegates connected now.
 */
present: number, 
/**
 * Delegates on the roster.
 */
total: number, };

export type DelegateWho = { 
/**
 * Stable within the event, e.g. `d12`.
 */
id: string, name: string, unit?: string, position?: string, };

export type Topic = { 
/**
 * Stable within the event; never reused.
 */
id: number, name: string, 
/**
 * A staff id (`s3`) with the role `official`.
 */
official?: string, };

export type TopicInput = { id?: number, name: string, official?: string, };

export type Official = { 
/**
 * Staff id, e.g. `s3`.
 */
id: string, name: string, };

export type Answer = { 
/**
 * 1, 2… within the question.
 */
id: number, text: string, 
/**
 * Who signs it: the official's name, or the authority's for a
 * forwarded question.
 */
signed_by: string, 
/**
 * False: a draft, seen only by the panel.
 */
published: boolean, 
/**
 * Milliseconds since the Unix epoch: when it was published (a draft:
 * last written).
 */
at: number, 
/**
 * The panel only: the staff member who wrote the text (an official or
 * their clerk).
 */
written_by?: string, };

export type StepKind = "routed" | "in_writing" | "due_extended" | "forwarded" | "answered_live" | "answered_in_writing" | "not_satisfied" | "merged" | "unmerged";

export type Step = { kind: StepKind, at: number, 
/**
 * The panel only: who made the move (a staff member's name, "chair
 * link", "organiser", "asker").
 */
by?: string, 
/**
 * The official's or authority's name, or the question merged into
 * (`#12`).
 */
to?: string, 
/**
 * A due date, `YYYY-MM-DD` (the meeting's time zone).
 */
due?: string, reason?: string, };

export type ScreenSettings = { 
/**
 * The "up next" list of the most voted questions.
 */
up_next: boolean, 
/**
 * Vote counts.
 */
votes: boolean, 
/**
 * The current question's topic and "Kính gửi" line.
 */
routing: boolean, 
/**
 * Nothing but the event's title: the screen is blanked.
 */
blank: boolean, };

export type FollowUp = { 
/**
 * A topic id of the snapshot's `topics`.
 */
topic?: number, 
/**
 * The official who answers it (staff id of `officials`): "Kính gửi".
 */
official?: string, 
/**
 * The outside authority it was forwarded to.
 */
authority?: string, 
/**
 * Written answer due, `YYYY-MM-DD` (the meeting's time zone).
 */
due?: string, 
/**
 * Published answers (the panel: drafts too), oldest first.
 */
answers?: Array<Answer>, 
/**
 * Merged into this question: it is no longer public, and its votes
 * count on that one.
 */
merged_into?: number, 
/**
 * The panel only: questions merged into this one.
 */
merged?: Array<number>, 
/**
 * The panel and the asker: every follow-up step, oldest first.
 */
history?: Array<Step>, 
/**
 * The panel only: earlier questions this one probably repeats (a
 * suggestion; nothing is merged without the panel).
 */
similar?: Array<number>, };

export type Question = { id: number, 
/**
 * Current text, NFC-normalised.
 */
text: string, 
/**
 * Asker's name; always absent for attendees and the screen when the
 * question is anonymous.
 */
name: string | null, 
/**
 * Asker's unit (đơn vị); same rule as `name`.
 */
unit: string | null, 
/**
 * True when the hall does not see who asked (`hidden_from_hall` or
 * `anonymous`); kept for clients older than `identity`.
 */
anonymous: boolean, 
/**
 * What the asker chose to show (see `Identity`).
 */
identity: Identity, status: QuestionStatus, votes: number, 
/**
 * Milliseconds since the Unix epoch, UTC, as stamped by the server.
 */
created_at: number, 
/**
 * Moderators only: the text as first asked, when it has been edited.
 */
original_text?: string, 
/**
 * Moderators only: the asker's participant id (also for anonymous ones).
 */
asker?: string, 
/**
 * Moderators only, from 10 votes: the percentage of the votes cast by
 * participants first seen from one source address (the most common
 * one). Expected high for a hall behind one NAT; otherwise a sign of
 * one device voting under many identities.
 */
votes_top_source_share?: number, 
/**
 * A topic id of the snapshot's `topics`.
 */
topic?: number, 
/**
 * The official who answers it (staff id of `officials`): "Kính gửi".
 */
official?: string, 
/**
 * The outside authority it was forwarded to.
 */
authority?: string, 
/**
 * Written answer due, `YYYY-MM-DD` (the meeting's time zone).
 */
due?: string, 
/**
 * Published answers (the panel: drafts too), oldest first.
 */
answers?: Array<Answer>, 
/**
 * Merged into this question: it is no longer public, and its votes
 * count on that one.
 */
merged_into?: number, 
/**
 * The panel only: questions merged into this one.
 */
merged?: Array<number>, 
/**
 * The panel and the asker: every follow-up step, oldest first.
 */
history?: Array<Step>, 
/**
 * The panel only: earlier questions this one probably repeats (a
 * suggestion; nothing is merged without the panel).
 */
similar?: Array<number>, };

export type Snapshot = { 
/**
 * Identity of the event's log; changes if the log is recreated.
 */
epoch: string, seq: number, title: string, join_code: string, settings: Settings, phase: Phase, current: number | null, 
/**
 * Every question this audience may see, in ranking order (most votes
 * first, older first on ties).
 */
questions: Array<Question>, 
/**
 * The event's topics, in the panel's order.
 */
topics: Array<Topic>, 
/**
 * The officials questions may be addressed to.
 */
officials: Array<Official>, };

export type Change = { "type": "question", question: Question, } | { "type": "removed", id: number, } | { "type": "votes", counts: Array<VoteCount>, } | { "type": "current", question: number | null, } | { "type": "settings", settings: Settings, } | { "type": "phase", phase: Phase, } | { "type": "title", title: string, } | { "type": "topics", topics: Array<Topic>, } | { "type": "officials", officials: Array<Official>, };

export type VoteCount = { id: number, votes: number, 
/**
 * Moderators only: as `Question::votes_top_source_share`, for the new
 * count.
 */
votes_top_source_share?: number, };

export type ResumeFrom = { epoch: string, seq: number, };

export type ClientMsg = { "type": "hello", protocol: number, 
/**
 * The event's public join code (case-insensitive).
 */
join_code: string, role: Role, 
/**
 * Moderator or screen secret; absent for attendees.
 */
secret?: string, 
/**
 * Attendees: the participant token from an earlier `welcome`, kept on
 * the device. Absent or invalid: a new participant is issued.
 */
participant_token?: string, 
/**
 * Attendees of a roster event: the personal code on the delegate's
 * card (typed, or from the card's QR link `#d=CODE`), case and
 * dashes ignored. Claims the delegate for this device; a device
 * that held it before is told (`moved`). Later hellos send the
 * token from `welcome` instead.
 */
delegate_code?: string, 
/**
 * Reconnecting: the last position applied. A malformed value is
 * read as absent (the client then gets a fresh snapshot) rather
 * than refusing the hello: a device must always be able to rejoin.
 */
resume?: ResumeFrom, } | { "type": "request", 
/**
 * Chosen by the client, unique per participant (e.g. a UUID); at
 * most 64 characters.
 */
id: string, action: Action, } | { "type": "ping", };

export type Action = { "type": "ask", text: string, name?: string, unit?: string, 
/**
 * Legacy: `true` reads as `identity: hidden_from_hall`, `false`
 * as `named`; ignored when `identity` is present.
 */
anonymous: boolean, 
/**
 * One of the event's `settings.identities`.
 */
identity?: Identity, 
/**
 * With `settings.asker_routes`: a topic id (else ignored).
 */
topic?: number, 
/**
 * With `settings.asker_routes`: the official addressed ("Kính
 * gửi"), a staff id of `officials` (else ignored).
 */
official?: string, } | { "type": "vote", question: number, up: boolean, } | { "type": "approve", question: number, } | { "type": "hide", question: number, } | { "type": "restore", question: number, } | { "type": "mark_answered", question: number, } | { "type": "reopen", question: number, } | { "type": "set_current", question: number, } | { "type": "clear_current", } | { "type": "edit", question: number, text: string, } | { "type": "update_settings", pre_moderation?: boolean, allow_anonymous?: boolean, max_length?: number, 
/**
 * The identity levels askers may choose (at least one).
 */
identities?: Array<Identity>, 
/**
 * Only the chair may change it.
 */
chair_sets_current?: boolean, asker_routes?: boolean, } | { "type": "set_phase", phase: Phase, } | { "type": "set_topics", topics: Array<TopicInput>, } | { "type": "route", question: number, 
/**
 * Absent: unchanged; `null`: no topic.
 */
topic?: number | null, official?: string, reason?: string, } | { "type": "answer_in_writing", question: number, working_days: number, official?: string, } | { "type": "extend_due", question: number, working_days: number, reason: string, } | { "type": "forward", question: number, authority: string, reason?: string, } | { "type": "draft_answer", question: number, text: string, answer?: number, } | { "type": "publish_answer", question: number, answer: number, } | { "type": "not_satisfied", question: number, reason: string, } | { "type": "merge", question: number, into: number, } | { "type": "unmerge", question: number, } | { "type": "set_screen", up_next?: boolean, votes?: boolean, routing?: boolean, blank?: boolean, };

export type Participant = { id: string, 
/**
 * Keep on the device and send in later hellos.
 */
token: string, };

export type ServerMsg = { "type": "welcome", protocol: number, role: Role, 
/**
 * The attendee link to show and share (the QR code's target), as
 * the organiser configured it: the address phones in the hall use.
 */
join_url: string, 
/**
 * Attendees only.
 */
participant?: Participant, 
/**
 * A named staff member's connection (a personal link): who they
 * are and what they may do. Absent for the shared links.
 */
staff?: StaffWho, 
/**
 * A roster delegate's device: who the card belongs to (their name
 * and unit are the roster's, not typed).
 */
delegate?: DelegateWho, } | { "type": "snapshot", snapshot: Snapshot, } | { "type": "mine", votes: Array<number>, questions: Array<Question>, } | { "type": "delta", epoch: string, prev: number, seq: number, changes: Array<Change>, } | { "type": "ack", id: string, seq: number, 
/**
 * For `ask`: the new question, as the asker sees it.
 */
question?: Question, } | { "type": "error", id?: string, code: ErrorCode, message: string, 
/**
 * With `rate_limited`: how long to wait before retrying (the same
 * request, with the same id), in milliseconds.
 */
retry_after_ms?: number, } | { "type": "presence", 
/**
 * Open attendee connections (devices).
 */
attendees: number, 
/**
 * Distinct participants among them (a phone with two tabs is one).
 */
participants: number, 
/**
 * Open panel connections, every staff role and the shared link.
 */
moderators: number, 
/**
 * Open screen connections: the shared screen link and staff with
 * the role `screen`. 0: nothing is on the projector.
 */
screens: number, 
/**
 * Every active staff member, by id, with their open connections
 * (0: not connected).
 */
staff: Array<StaffPresence>, 
/**
 * Connections through the shared per-role links.
 */
links: LinkPresence, 
/**
 * Roster events: the delegates. `null` for open events.
 */
roster: RosterPresence | null, } | { "type": "pong", };

export type ErrorCode = "bad_json" | "unknown_type" | "bad_message" | "unsupported_version" | "not_joined" | "already_joined" | "unknown_event" | "bad_secret" | "forbidden" | "invalid_text" | "too_long" | "anonymous_not_allowed" | "unknown_question" | "invalid_transition" | "phase_closed" | "bad_request_id" | "unavailable" | "rate_limited" | "quota_exceeded" | "revoked" | "code_required" | "unknown_code" | "moved" | "unknown_official" | "unknown_topic" | "unknown";
