package io.corral.actors.container;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code corral.actors} keys of the actor system's configuration (defaults in
 * {@code reference.conf}), read once when the containerizer starts and passed down by value:
 * no behavior reads a key by its name.
 *
 * @param listTimeout how long GET_CONTAINERS waits for each container's fresh snapshot
 * @param usageTimeout how long a container waits for its isolators' usage and status
 * @param abortGrace how long an init aborted before release may take to exit before it is killed
 * @param cleanupAttempts how many times a failing isolator cleanup is tried in all
 * @param cleanupBackoff the wait before the second cleanup attempt (doubled for each next one)
 */
record ActorsConfig(Duration listTimeout, Duration usageTimeout, Duration abortGrace, int cleanupAttempts,
    Duration cleanupBackoff) {

  static ActorsConfig fromConfig(Config config) {
    Config actors = config.getConfig("corral.actors");
    return new ActorsConfig(actors.getDuration("list-timeout"), actors.getDuration("usage-timeout"),
        actors.getDuration("abort-grace"), actors.getInt("cleanup-attempts"), actors.getDuration("cleanup-backoff"));
  }
}
