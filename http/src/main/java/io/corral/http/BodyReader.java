package io.corral.http;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * Reads a request body into memory up to a limit. Past the limit it keeps reading but discards
 * the bytes, up to {@link #DRAIN_FACTOR} times the limit, and then reports the body as too large:
 * a client still sending when the server answers and closes would otherwise get a connection
 * reset instead of the 413. Past the drain cap the read fails with {@link TooLarge}, and the
 * connection is closed.
 *
 * <p>Runs as a Pekko stream on the system's dispatcher; each read has its own accumulator.
 */
final class BodyReader {
  /** How many times the limit is drained before the agent stops reading. */
  static final int DRAIN_FACTOR = 8;

  /** A body within the limit, or the size of one that was not ({@code bytes} null). */
  record Body(byte[] bytes, long size) {
    boolean tooLarge() {
      return bytes == null;
    }
  }

  /** The body exceeded the drain cap; the read stopped. */
  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final long limit;

    TooLarge(long limit) {
      super("request body exceeds " + limit + " bytes", null, false, false);
      this.limit = limit;
    }
  }

  private BodyReader() {}

  /** The most bytes read (kept or drained) from one body whose limit is {@code max}. */
  static long drainCap(long max) {
    return max > Long.MAX_VALUE / DRAIN_FACTOR ? Long.MAX_VALUE : max * DRAIN_FACTOR;
  }

  /** Reads {@code entity}; fails with a {@code TimeoutException} after {@code timeout}. */
  static CompletionStage<Body> read(
      HttpEntity entity, long max, Duration timeout, ActorSystem<?> system) {
    return run(entity, new Accumulator(max, drainCap(max)), timeout, system);
  }

  private static CompletionStage<Body> run(
      HttpEntity entity, Accumulator accumulator, Duration timeout, ActorSystem<?> system) {
    return entity.withoutSizeLimit()
        .getDataBytes()
        .completionTimeout(timeout)
        .runWith(Sink.fold(accumulator, Accumulator::add), system)
        .thenApply(Accumulator::body);
  }

  /** Mutable, but owned by one stream: the fold calls it on one thread at a time. */
  private static final class Accumulator {
    private final long max;
    private final long cap;
    private final ByteStringBuilder kept = new ByteStringBuilder();
    private long size;

    Accumulator(long max, long cap) {
      this.max = max;
      this.cap = cap;
    }

    Accumulator add(ByteString chunk) {
      size += chunk.length();
      if (size > cap) {
        throw new TooLarge(max);
      }
      if (size <= max) {
        kept.append(chunk);
      }
      return this;
    }

    Body body() {
      return size > max ? new Body(null, size) : new Body(kept.result().toArray(), size);
    }
  }
}
