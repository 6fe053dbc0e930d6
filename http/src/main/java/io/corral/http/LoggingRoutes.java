package io.corral.http;

import io.corral.http.security.Action;
import io.corral.http.security.HttpSecurity;
import io.corral.http.security.HttpSecurity.Caller;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libprocess' {@code /logging/toggle}: without parameters it answers the current verbosity (a
 * number and a newline); with {@code level} and {@code duration} (both, or 400) it raises the
 * verbosity for that long (a level below the original 0 is 400, as libprocess answers), if the
 * {@code set_log_level} ACL allows the caller (403 otherwise).
 *
 * <p>Threading: Pekko HTTP's dispatcher; {@link LoggingControl} is thread-safe.
 */
final class LoggingRoutes extends AllDirectives {
  private static final Logger LOG = LoggerFactory.getLogger(LoggingRoutes.class);
  private final LoggingControl logging;
  private final HttpSecurity security;

  LoggingRoutes(LoggingControl logging, HttpSecurity security) {
    this.logging = logging;
    this.security = security;
  }

  Route toggle(Caller caller) {
    return parameterOptional("level", level -> parameterOptional("duration",
        duration -> complete(answer(level, duration, caller))));
  }

  private HttpResponse answer(Optional<String> level, Optional<String> duration, Caller caller) {
    if (level.isEmpty() && duration.isEmpty()) {
      return HttpResponse.create().withEntity(logging.level() + "\n");
    }
    if (duration.isEmpty()) {
      return ErrorMapping.badRequest("Expecting 'duration=value' in query");
    }
    if (level.isEmpty()) {
      return ErrorMapping.badRequest("Expecting 'level=value' in query");
    }
    if (!security.approved(Action.SET_LOG_LEVEL, caller)) {
      return ErrorMapping.forbidden();
    }
    if (!logging.settable()) {
      return ErrorMapping.plain(StatusCodes.NOT_IMPLEMENTED, "request.not-supported",
          "Failed to set the logging level: this agent's level is fixed");
    }
    int v;
    Duration d;
    try {
      v = Integer.parseInt(level.get().strip());
      d = logging.parse(duration.get().strip());
    } catch (NumberFormatException e) {
      return ErrorMapping.badRequest("Failed to parse level: '" + level.get() + "' is not a number");
    } catch (IllegalArgumentException e) {
      return ErrorMapping.badRequest(e.getMessage());
    }
    if (v < 0) {
      return ErrorMapping.badRequest("Invalid level '" + v + "'");
    }
    LOG.info("Setting the logging level to {} for {}", v, ErrorMapping.stout(d));
    logging.set(v, d);
    return HttpResponse.create();
  }
}
