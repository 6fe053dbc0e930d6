package io.corral.images.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP for the registry client: one {@link HttpClient} with the settings' connect timeout, a
 * response timeout per request, retries with exponential backoff for connection failures,
 * timeouts, 429 and 5xx, and redirects followed by hand so that {@code Authorization} never goes
 * to another host. Thread-safe; the calling thread blocks.
 */
final class Transport {
  private static final Logger LOG = LoggerFactory.getLogger(Transport.class);
  private static final int MAX_REDIRECTS = 5;

  private final HttpClient http;
  private final RegistrySettings settings;

  Transport(RegistrySettings settings) {
    this.settings = settings;
    this.http = HttpClient.newBuilder()
        .connectTimeout(settings.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  RegistrySettings settings() {
    return settings;
  }

  /**
   * GETs {@code uri}, following redirects; {@code authorization} (may be null) is sent to
   * {@code uri}'s host only. The caller closes the body of the returned response.
   */
  HttpResponse<InputStream> get(URI uri, String accept, String authorization) throws IOException {
    URI current = uri;
    for (int hop = 0; ; hop++) {
      boolean sameHost = Objects.equals(authority(current), authority(uri));
      HttpResponse<InputStream> r = getWithRetries(current, accept, sameHost ? authorization : null);
      int code = r.statusCode();
      boolean redirect = code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
      if (!redirect) {
        return r;
      }
      String location = r.headers().firstValue("Location").orElse(null);
      r.body().close();
      if (location == null || hop >= MAX_REDIRECTS) {
        throw new RegistryException("too many or broken redirects from '" + uri + "'");
      }
      current = current.resolve(location);
      LOG.debug("Following redirect from '{}' to '{}'", uri, current);
    }
  }

  private HttpResponse<InputStream> getWithRetries(URI uri, String accept, String authorization)
      throws IOException {
    Duration backoff = settings.initialBackoff();
    for (int attempt = 1; ; attempt++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(settings.timeout());
      if (accept != null) {
        b.header("Accept", accept);
      }
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      try {
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        int code = r.statusCode();
        if ((code == 429 || code >= 500) && attempt < settings.maxAttempts()) {
          r.body().close();
          LOG.debug("Retrying '{}' after HTTP {} (attempt {})", uri, code, attempt);
        } else {
          return r;
        }
      } catch (IOException e) {
        if (attempt >= settings.maxAttempts()) {
          throw new RegistryException("failed to reach registry '" + authority(uri) + "' after " + attempt
              + " attempt(s): " + describe(e), e);
        }
        LOG.debug("Retrying '{}' after '{}' (attempt {})", uri, describe(e), attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while fetching '" + uri + "'");
      }
      backoff = pause(backoff);
    }
  }

  /** Sleeps {@code backoff} and returns the next, doubled up to the settings' maximum. */
  Duration pause(Duration backoff) throws InterruptedIOException {
    try {
      Thread.sleep(backoff.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry");
    }
    Duration next = backoff.multipliedBy(2);
    return next.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : next;
  }

  static String authority(URI uri) {
    return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
  }

  /** The first message in {@code e}'s cause chain, or a name for the failure. */
  static String describe(Throwable e) {
    if (e instanceof HttpTimeoutException) {
      return "timed out";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
      if (t instanceof ConnectException) {
        return "connection refused";
      }
    }
    return e.getClass().getSimpleName();
  }

  /** Reads at most {@code limit} bytes of a body and closes it; more is an error. */
  static byte[] readLimited(InputStream body, int limit, String what) throws IOException {
    try (InputStream in = body) {
      byte[] bytes = in.readNBytes(limit + 1);
      if (bytes.length > limit) {
        throw new RegistryException(what + " is larger than " + limit + " bytes");
      }
      return bytes;
    }
  }
}
