/**
 * The launcher actor of a container: fork (with the config and pids checkpoints around it),
 * release, abort, signal, kill and reap of the container's init through the
 * {@code Launcher}. The actor runs on {@code corral.actor-dispatcher}; the fork step and every
 * launcher call run on {@code corral.blocking-dispatcher}.
 */
package io.corral.actors.launch;
