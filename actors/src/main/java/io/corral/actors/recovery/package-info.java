/**
 * Recovery of a restarted agent: reads each container's checkpoints, identifies its init by
 * pid and start time, decides adopt, terminated, ended or destroy, and finds stray inits. It
 * is plain code run once by the containerizer actor on {@code corral.blocking-dispatcher}, before the
 * containerizer serves anything.
 */
package io.corral.actors.recovery;
