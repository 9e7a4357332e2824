/** Fold keys group outbox rows that are sent together as one summary when due. */

/** A daily digest slot: `digest@<ISO time of the slot>`. */
export const DIGEST_KEY = 'digest@';
/** The overflow of a full rate-limit window: `overflow@<ISO time the window frees a slot>`. */
export const OVERFLOW_KEY = 'overflow@';
