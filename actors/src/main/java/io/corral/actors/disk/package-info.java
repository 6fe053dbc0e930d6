/**
 * The agent-wide disk-watch actor and its policy: schedules {@code du} one at a time and XFS
 * project-quota checks for the containers the disk isolator enforces. The actor runs on
 * {@code corral.actor-dispatcher}; {@code du} and the quota reads run on
 * {@code corral.blocking-dispatcher}.
 */
package io.corral.actors.disk;
