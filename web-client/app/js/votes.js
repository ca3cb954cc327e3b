// An attendee's own votes with optimistic feedback. Pure: time comes in as
// an argument so the rules are unit-tested.
//
// A tap must show at once (hall Wi-Fi can take a second), but the server's
// counts are the truth. Vote counts reach us coalesced on the room's tick,
// usually just after the ack; so a tap keeps adjusting the shown count only
// while the server's count for that question is still the one we saw when
// tapping, and at most HOLD_MS after the ack. Any newer server count
// already includes our vote (or someone else's change), and wins.
//
// A vote waiting in the outbox (offline, or from before a reload) stays a
// pending wish until its answer: shown as voted, counted once.

/** How long after the ack we keep correcting a count the server has not updated yet. */
export const HOLD_MS = 3000;

/**
 * @typedef {object} PendingVote
 * @property {boolean} up what we asked for
 * @property {boolean | null} was whether the server counted our vote when tapped (null: not known yet)
 * @property {number | null} base the server's count when tapped (null: not known yet)
 * @property {number} until time after which the server count wins (Infinity until acked)
 */

export class VoteBook {
  constructor() {
    /** @type {Set<number>} questions this participant votes for, as the server last said */
    this.server = new Set();
    /** @type {Map<number, PendingVote>} */
    this.pending = new Map();
  }

  /**
   * The server's list (from `mine`, after every (re)join). Wishes not yet
   * answered take it, and the counts of the same moment, as their
   * reference: whatever was queued before is either in both or in neither.
   * A wish that is no longer queued anywhere (another tab had it
   * answered) is forgotten: the server's word stands.
   * @param {number[]} ids
   * @param {(id: number) => number | undefined} [countOf] the server's count now
   * @param {Map<number, boolean>} [queued] the outbox's vote wishes
   */
  setMine(ids, countOf, queued) {
    this.server = new Set(ids);
    if (!countOf) return;
    for (const [id, p] of this.pending) {
      if (p.until !== Infinity) continue;
      if (queued && !queued.has(id)) {
        this.pending.delete(id);
        continue;
      }
      const base = countOf(id);
      this.pending.set(id, { ...p, was: this.server.has(id), base: base ?? null });
    }
  }

  /**
   * A wish still waiting in the outbox from before this page was loaded;
   * its reference comes with the next `setMine`.
   * @param {number} id
   * @param {boolean} up
   */
  restore(id, up) {
    this.pending.set(id, { up, was: null, base: null, until: Infinity });
  }

  /**
   * Whether the participant votes for `id`, as shown.
   * @param {number} id
   * @returns {boolean}
   */
  has(id) {
    const p = this.pending.get(id);
    return p ? p.up : this.server.has(id);
  }

  /**
   * The count to show for a question whose server count is `votes`.
   * @param {number} id
   * @param {number} votes
   * @param {number} now
   * @returns {number}
   */
  shown(id, votes, now) {
    const p = this.pending.get(id);
    if (!p || p.was === null || votes !== p.base || now > p.until) return votes;
    return Math.max(0, votes + Number(p.up) - Number(p.was));
  }

  /**
   * A tap: flips the vote and returns the new wish, to send as `up`.
   * @param {number} id
   * @param {number} votes the server's count now
   * @param {number} now
   * @returns {boolean}
   */
  toggle(id, votes, now) {
    const up = !this.has(id);
    const prev = this.pending.get(id);
    // A second tap before the count moved keeps the first reference point:
    // `base` is still the count that `was` describes.
    if (prev && prev.base === votes && now <= prev.until) {
      this.pending.set(id, { ...prev, up, until: Infinity });
    } else {
      this.pending.set(id, { up, was: this.server.has(id), base: votes, until: Infinity });
    }
    return up;
  }

  /**
   * The server accepted the request with this wish.
   * @param {number} id
   * @param {boolean} up
   * @param {number} now
   */
  acked(id, up, now) {
    const p = this.pending.get(id);
    if (up) this.server.add(id);
    else this.server.delete(id);
    // Only the latest tap's answer settles; an older ack leaves it pending.
    if (p && p.up === up) this.pending.set(id, { ...p, until: now + HOLD_MS });
  }

  /**
   * The server refused (e.g. voting closed): back to what it says.
   * @param {number} id
   * @param {boolean} up
   */
  failed(id, up) {
    const p = this.pending.get(id);
    if (p && p.up === up) this.pending.delete(id);
  }

  /**
   * Forgets settled entries whose hold has expired.
   * @param {number} now
   */
  prune(now) {
    for (const [id, p] of this.pending) if (now > p.until) this.pending.delete(id);
  }
}
