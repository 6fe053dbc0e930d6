package io.corral.images.fetcher;

import io.corral.images.registry.StallWatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;

/**
 * Puts the bytes one URI names into one file, whole or not at all: an HTTP(S) GET that must
 * answer 200 (redirects followed, as curl does for Mesos), or a copy of a local file the
 * container's user may read. The bytes go to a hidden temporary file beside the destination,
 * renamed into place when complete and removed on any failure. A download is bounded by
 * {@code limit} bytes and aborted when no byte came for the stall timeout
 * ({@code --fetcher_stall_timeout}) or when cancelled. Thread-safe; runs on the caller's thread.
 */
final class Downloader {
  private static final int BUFFER = 64 * 1024;

  private final HttpClient http;
  private final Duration stallTimeout;

  Downloader(Duration stallTimeout) {
    this.stallTimeout = stallTimeout;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(stallTimeout)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  /**
   * Fetches {@code value} into {@code destination} (replacing it), at most {@code limit} bytes;
   * a local file is read only when {@code reader} may read it.
   *
   * @return the number of bytes written
   */
  long fetch(String value, Path destination, long limit, Reader reader, FetchCancel cancel) throws IOException {
    Files.createDirectories(destination.getParent());
    Path temp = Files.createTempFile(destination.getParent(), "." + destination.getFileName(), ".fetching");
    try {
      Optional<Path> local = FetchUris.localPath(value);
      long n = local.isPresent() ? copy(local.get(), temp, limit, reader, cancel) : download(value, temp, limit, cancel);
      Files.move(temp, destination, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return n;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private long download(String value, Path temp, long limit, FetchCancel cancel) throws IOException {
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(URI.create(value)).timeout(stallTimeout).GET().build();
    } catch (IllegalArgumentException e) {
      throw new FetchException("Malformed URI: " + e.getMessage());
    }
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (java.net.http.HttpTimeoutException e) {
      throw new FetchException("Error downloading resource: no response within " + stallTimeout.toMillis() + "ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FetchException("the fetch was interrupted");
    } catch (IOException e) {
      throw new FetchException("Error downloading resource: " + describe(e), e);
    }
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new FetchException("Error downloading resource, received HTTP return code " + response.statusCode());
      }
      long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (declared > limit) {
        throw tooLarge(limit, declared);
      }
      return write(body, temp, limit, cancel);
    }
  }

  private long copy(Path source, Path temp, long limit, Reader reader, FetchCancel cancel) throws IOException {
    Path real;
    try {
      real = source.toRealPath();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new FetchException("Failed to read '" + source + "': No such file or directory");
    }
    reader.checkReadable(real);
    if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
      throw new FetchException("'" + source + "' is not a regular file");
    }
    if (Files.size(real) > limit) {
      throw tooLarge(limit, Files.size(real));
    }
    try (InputStream in = Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS)) {
      return write(in, temp, limit, cancel);
    }
  }

  /** Copies {@code in} to {@code temp}, watched for stalls and bounded by {@code limit}. */
  private long write(InputStream in, Path temp, long limit, FetchCancel cancel) throws IOException {
    cancel.reading(in);
    long total = 0;
    try (StallWatch watch = new StallWatch(in, stallTimeout); OutputStream out = Files.newOutputStream(temp)) {
      byte[] buffer = new byte[BUFFER];
      while (true) {
        int n;
        try {
          n = in.read(buffer);
        } catch (IOException e) {
          cancel.check();
          if (watch.fired()) {
            throw new FetchException("Error downloading resource: no data for " + stallTimeout.toMillis()
                + "ms (--fetcher_stall_timeout)");
          }
          throw new FetchException("Error downloading resource: " + describe(e), e);
        }
        if (n < 0) {
          break;
        }
        cancel.check();
        watch.progress();
        total += n;
        if (total > limit) {
          throw tooLarge(limit, -1);
        }
        out.write(buffer, 0, n);
      }
    }
    cancel.check();
    return total;
  }

  private static FetchException tooLarge(long limit, long size) {
    return new TooLarge((size < 0 ? "the resource is larger" : "the resource has " + size + " bytes, more")
        + " than the container's disk limit of " + limit + " bytes");
  }

  /** One line for {@code e}: a fetch error's message; other errors are named by their class too. */
  static String describe(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return e instanceof FetchException || !(e instanceof IOException) ? message
        : e.getClass().getSimpleName() + ": " + message;
  }

  /** A resource over the bound it was fetched with. */
  static final class TooLarge extends FetchException {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message);
    }
  }

  /** Who reads local files: the container's user may read only what its permissions allow. */
  interface Reader {
    void checkReadable(Path real) throws FetchException;
  }
}
