/**
 * The files service of the agent (Mesos' {@code /files/*} and LIST_FILES / READ_FILE): virtual
 * paths of container sandboxes and of the agent's log, resolved so that a request never leaves
 * what was attached. Plain Java; its blocking methods run on the blocking dispatcher.
 */
package io.corral.actors.files;
