package io.corral.http;

import io.corral.actors.ContainerError;
import io.corral.proto.v1.agent.Call;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP responses: each {@link ContainerError}, an ask that
 * timed out, an oversized body, and the request-level refusals of {@code /api/v1}.
 *
 * <p>Every error response has a plain-text body with the message, as Mesos answers, and a
 * {@value #CODE_HEADER} header with a stable, machine-readable code such as {@code
 * container.notfound}, which clients may match on instead of the text.
 *
 * <p>The statuses follow Mesos, with one deliberate difference: REMOVE_CONTAINER of a container
 * that is still running is documented by Mesos as 500 ("if anything goes wrong"); Corral answers
 * {@code 409 Conflict}, since the request is well formed but the container is in the wrong state
 * and a retry after WAIT succeeds. To change it, change {@link #INVALID_STATE}. Stateless and
 * thread-safe.
 */
public final class ErrorMapping {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);

  /** The response header carrying the stable error code. */
  public static final String CODE_HEADER = "Corral-Error";

  /** The status of {@link ContainerError.InvalidState} (see the class comment). */
  static final StatusCode INVALID_STATE = StatusCodes.CONFLICT;

  private ErrorMapping() {}

  /**
   * The response to {@code error} returned by the containerizer for a {@code call}. On
   * LAUNCH_CONTAINER an {@code AlreadyExists} is the 202 of a duplicate launch and launch
   * failures of any kind are 400, as Mesos repairs a failed launch into 400.
   */
  public static HttpResponse toResponse(ContainerError error, Call.Type call) {
    boolean launch = call == Call.Type.LAUNCH_CONTAINER;
    String message = error.message();
    if (error instanceof ContainerError.NotFound) {
      return plain(StatusCodes.NOT_FOUND, "container.notfound", message);
    } else if (error instanceof ContainerError.AlreadyExists) {
      return launch
          ? HttpResponse.create().withStatus(StatusCodes.ACCEPTED)
          : plain(StatusCodes.CONFLICT, "container.exists", message);
    } else if (error instanceof ContainerError.InvalidState) {
      return plain(INVALID_STATE, "container.invalid-state", message);
    } else if (error instanceof ContainerError.IsolatorFailed) {
      return plain(launch ? StatusCodes.BAD_REQUEST : StatusCodes.INTERNAL_SERVER_ERROR,
          "container.isolator-failed", message);
    } else if (error instanceof ContainerError.LimitationReached) {
      return plain(StatusCodes.BAD_REQUEST, "container.limitation", message);
    } else if (error instanceof ContainerError.LaunchFailed) {
      return plain(StatusCodes.BAD_REQUEST, "container.launch-failed", message);
    } else if (error instanceof ContainerError.InvalidRequest) {
      return plain(StatusCodes.BAD_REQUEST, "request.invalid", message);
    } else if (error instanceof ContainerError.Internal) {
      return plain(StatusCodes.INTERNAL_SERVER_ERROR, "agent.internal", message);
    }
    throw new IllegalArgumentException("unmapped ContainerError " + error);
  }

  /**
   * The response to a failed future: an ask (or body read) that timed out is 503, a body over
   * the size limit is 413, anything else is 500. {@code verb} completes "Failed to ...".
   */
  public static HttpResponse fromFailure(Throwable failure, String verb, Duration timeout) {
    Throwable cause = unwrap(failure);
    if (cause instanceof TimeoutException) {
      LOG.warn("Failed to {}: no answer within {}", verb, stout(timeout));
      return plain(StatusCodes.SERVICE_UNAVAILABLE, "agent.timeout",
          "Failed to " + verb + ": no answer within " + stout(timeout));
    }
    if (cause instanceof BodyReader.TooLarge tooLarge) {
      return tooLarge(tooLarge.limit);
    }
    LOG.warn("Failed to {}", verb, cause);
    return plain(StatusCodes.INTERNAL_SERVER_ERROR, "agent.internal",
        "Failed to " + verb + ": " + cause);
  }

  /** 413 for a body larger than {@code limit} bytes. */
  public static HttpResponse tooLarge(long limit) {
    return plain(StatusCodes.CONTENT_TOO_LARGE, "request.too-large",
        "Failed to read request body: it exceeds the limit of " + limit + " bytes");
  }

  /** 400 with {@code message}, for bad headers, undecodable bodies and invalid calls. */
  public static HttpResponse badRequest(String message) {
    return plain(StatusCodes.BAD_REQUEST, "request.invalid", message);
  }

  /** 405 with {@code Allow: POST}, in libprocess' words. */
  static HttpResponse postOnly(String method) {
    return plain(StatusCodes.METHOD_NOT_ALLOWED, "request.method",
        "Expecting one of { 'POST' }, but received '" + method + "'")
        .addHeader(Allow.create(HttpMethods.POST));
  }

  /**
   * 401 for a request to {@code realm} without valid credentials, as libprocess answers it: the
   * challenge {@code Basic realm="<realm>"} and the body {@code 401 Unauthorized.}.
   */
  public static HttpResponse unauthorized(io.corral.http.security.Realm realm) {
    return plain(StatusCodes.UNAUTHORIZED, "request.unauthenticated", "401 Unauthorized.")
        .addHeader(RawHeader.create("WWW-Authenticate", "Basic realm=\"" + realm.id() + "\""));
  }

  /** 403 for a call the ACLs refuse the caller, with libprocess' body {@code 403 Forbidden.}. */
  public static HttpResponse forbidden() {
    return plain(StatusCodes.FORBIDDEN, "request.forbidden", "403 Forbidden.");
  }

  /** 503 while the agent recovers its containers. */
  static HttpResponse recovering() {
    return plain(StatusCodes.SERVICE_UNAVAILABLE, "agent.recovering",
        "Agent has not finished recovery");
  }

  /** 501 for a call type that this agent does not serve. */
  static HttpResponse notServed(Call.Type type) {
    String message = type == Call.Type.UNKNOWN
        ? "Call type 'UNKNOWN' is not implemented"
        : "Call type '" + type + "' is not supported";
    return plain(StatusCodes.NOT_IMPLEMENTED, "request.not-supported", message);
  }

  /** A response with {@code status}, {@code code} in {@value #CODE_HEADER}, and a text body. */
  static HttpResponse plain(StatusCode status, String code, String message) {
    return HttpResponse.create()
        .withStatus(status)
        .addHeader(RawHeader.create(CODE_HEADER, code))
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, message));
  }

  /** A duration as stout prints it ({@code 60secs}, {@code 500ms}, {@code 7days}). */
  static String stout(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long secs = d.getSeconds();
    if (secs % 86400 == 0) {
      return secs / 86400 + "days";
    }
    if (secs % 3600 == 0) {
      return secs / 3600 + "hrs";
    }
    if (secs % 60 == 0) {
      return secs / 60 + "mins";
    }
    return secs + "secs";
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
