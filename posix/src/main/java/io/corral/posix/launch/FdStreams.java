package io.corral.posix.launch;

import io.corral.posix.LinuxException;
import io.corral.posix.Processes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Java streams over the raw pipe descriptors of a spawned helper ({@link Processes.Spawned}):
 * reads and writes go through {@link Processes}, failures become {@link IOException}s, and
 * {@code close} closes the descriptor once. The input is buffered, so reading the status pipe
 * line by line costs one read(2) per burst, not per byte. Not thread-safe: one owner at a time.
 */
final class FdStreams {
  private FdStreams() {}

  static InputStream in(Processes processes, int fd) {
    return new BufferedInputStream(new FdIn(processes, fd), 512);
  }

  static OutputStream out(Processes processes, int fd) {
    return new FdOut(processes, fd);
  }

  private static final class FdIn extends InputStream {
    private final Processes processes;
    private final int fd;
    private boolean closed;

    FdIn(Processes processes, int fd) {
      this.processes = processes;
      this.fd = fd;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (closed) {
        throw new IOException("Stream closed");
      }
      if (length == 0) {
        return 0;
      }
      try {
        int n = processes.read(fd, buffer, offset, length);
        return n == 0 ? -1 : n;
      } catch (LinuxException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        processes.close(fd);
      }
    }
  }

  private static final class FdOut extends OutputStream {
    private final Processes processes;
    private final int fd;
    private boolean closed;

    FdOut(Processes processes, int fd) {
      this.processes = processes;
      this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
      if (closed) {
        throw new IOException("Stream closed");
      }
      try {
        processes.write(fd, buffer, offset, length);
      } catch (LinuxException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        processes.close(fd);
      }
    }
  }
}
