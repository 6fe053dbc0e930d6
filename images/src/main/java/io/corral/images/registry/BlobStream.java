package io.corral.images.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * One download of a blob, read as it arrives: every byte is digested and counted, progress is
 * reported every {@value #PROGRESS_STEP} bytes and at the end, a body that stops flowing for the
 * timeout is closed by a {@link StallWatch}, and at the body's end the size and the sha256 digest
 * are checked against the descriptor. It keeps what went wrong, a broken transfer or a mismatch,
 * so that the client can tell them from a reader's own failure however the reader wrapped them.
 * One reader thread.
 */
final class BlobStream extends InputStream {
  static final int PROGRESS_STEP = 256 << 10;

  private final InputStream body;
  private final Descriptor descriptor;
  private final Duration timeout;
  private final LongConsumer progress;
  private final StallWatch watch;
  private final MessageDigest md = Digests.sha256();
  private long done;
  private long reported;
  private IOException broken;
  private RegistryException mismatch;
  private boolean ended;

  BlobStream(InputStream body, Descriptor descriptor, Duration timeout, LongConsumer progress) {
    this.body = body;
    this.descriptor = descriptor;
    this.timeout = timeout;
    this.progress = progress;
    this.watch = new StallWatch(body, timeout);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (ended) {
      return end();
    }
    int n;
    try {
      n = body.read(buffer, offset, length);
    } catch (IOException e) {
      broken = watch.fired() ? new IOException("no data for " + timeout.toMillis() + " ms", e) : e;
      throw broken;
    }
    if (n < 0) {
      return end();
    }
    watch.progress();
    md.update(buffer, offset, n);
    done += n;
    if (done - reported >= PROGRESS_STEP) {
      progress.accept(done);
      reported = done;
    }
    return n;
  }

  /** At the body's end: the checks, once; -1 if they pass. */
  private int end() throws RegistryException {
    if (!ended) {
      ended = true;
      progress.accept(done);
      String actual = Digests.format(md);
      if (!actual.equals(descriptor.digest())) {
        mismatch = new RegistryException("digest mismatch for blob '" + descriptor.digest() + "': got '" + actual + "'");
      } else if (descriptor.size() >= 0 && descriptor.size() != done) {
        mismatch = new RegistryException("size mismatch for blob '" + descriptor.digest() + "': expected "
            + descriptor.size() + ", got " + done);
      }
    }
    if (mismatch != null) {
      throw mismatch;
    }
    return -1;
  }

  /** The transfer failure a read threw, or null. */
  IOException broken() {
    return broken;
  }

  /**
   * After a reader failed: the digest or size mismatch of the whole blob, or null. The rest of
   * the transfer is read first (unless it broke), because a corrupted blob makes a reader fail
   * before the end, and its corruption, not the reader's complaint, is the cause to report.
   */
  RegistryException mismatchOfRest() {
    if (!ended && broken == null) {
      try {
        transferTo(OutputStream.nullOutputStream());
      } catch (IOException e) {
        // a mismatch or a broken transfer, each kept
      }
    }
    return mismatch;
  }

  @Override
  public void close() throws IOException {
    watch.close();
    body.close();
  }
}
