package io.corral.http;

import java.time.Duration;

/**
 * The agent's logging verbosity as Mesos exposes it (GET_LOGGING_LEVEL, SET_LOGGING_LEVEL,
 * {@code /logging/toggle}): glog's {@code v}, where 0 is the level the agent started with and a
 * higher number logs more, for a while, after which it reverts. {@code ops} implements it over
 * Logback; an agent built without one answers level 0 and refuses to change it.
 *
 * <p>Implementations are thread-safe: HTTP threads call them concurrently.
 */
public interface LoggingControl {
  /** The current verbosity. */
  int level();

  /** Sets the verbosity to {@code level} for {@code duration}, then reverts to 0. */
  void set(int level, Duration duration);

  /**
   * Parses a duration as stout writes it ({@code 10secs}, {@code 1mins}).
   *
   * @throws IllegalArgumentException with the reason it is not one
   */
  Duration parse(String duration);

  /** Whether {@link #set} can change anything. */
  default boolean settable() {
    return true;
  }

  /** A verbosity fixed at 0: {@link #set} is refused (501) by the endpoints. */
  static LoggingControl fixed() {
    return new LoggingControl() {
      @Override
      public int level() {
        return 0;
      }

      @Override
      public void set(int level, Duration duration) {
        throw new UnsupportedOperationException("the logging level of this agent is fixed");
      }

      @Override
      public Duration parse(String duration) {
        throw new IllegalArgumentException("the logging level of this agent is fixed");
      }

      @Override
      public boolean settable() {
        return false;
      }
    };
  }
}
