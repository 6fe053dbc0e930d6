/**
 * The usage history behind the agent's status page: {@link io.corral.actors.history.UsageHistoryActor}
 * samples every container's usage on a timer while someone looks, and keeps a bounded
 * {@link io.corral.actors.history.UsageRing} of samples per container. The actor runs on the
 * dispatcher it is spawned with; the start-time lookups run on {@code corral.blocking-dispatcher}.
 */
package io.corral.actors.history;
