// Names in Redis. One BullMQ queue holds the trials of every run (workers need one name to
// listen on); what belongs to one run lives under trainyard:run:<run key>, the run key being
// '<experiment>/<run id>' (both restricted to letters, digits, '._-': nothing to escape).
export const QUEUE_PREFIX = 'trainyard';
export const QUEUE_NAME = 'trials';

const runRoot = (runKey: string) => `${QUEUE_PREFIX}:run:${runKey}`;

/** The stream the workers append a run's events to; the coordinator reads it. */
export const eventsKey = (runKey: string) => `${runRoot(runKey)}:events`;

/** A trial's record in Redis: its newest checkpoint, its result, its final weights. */
export const recordKey = (runKey: string, trialId: string, what: 'checkpoint' | 'result' | 'weights') => `${runRoot(runKey)}:trial:${trialId}:${what}`;

/** BullMQ job ids: one per trial of a run, so that enqueuing a trial twice is a no-op. */
export const jobIdOf = (runKey: string, trialId: string) => `${runKey}|${trialId}`.replace(/:/g, '%3A');

/** The run key of a job id (the part before '|'). */
export const runKeyOfJob = (jobId: string) => jobId.slice(0, jobId.indexOf('|'));
