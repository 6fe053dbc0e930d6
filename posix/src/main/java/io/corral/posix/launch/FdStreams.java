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

  /** One owned descriptor: I/O through {@link Processes}, closed once. */
  private static final class Fd {
    private final Processes processes;
    private final int fd;
    private boolean closed;

    Fd(Processes processes, int fd) {
      this.processes = processes;
      this.fd = fd;
    }

    int read(byte[] buffer, int offset, int length) throws IOException {
      try {
        return processes.read(open(), buffer, offset, length);
      } catch (LinuxException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    void write(byte[] buffer, int offset, int length) throws IOException {
      try {
        processes.write(open(), buffer, offset, length);
      } catch (LinuxException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    private int open() throws IOException {
      if (closed) {
        throw new IOException("Stream closed");
      }
      return fd;
    }

    void close() {
      if (!closed) {
        closed = true;
        processes.close(fd);
      }
    }
  }

  private static final class FdIn extends InputStream {
    private final Fd fd;

    FdIn(Processes processes, int fd) {
      this.fd = new Fd(processes, fd);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      int n = fd.read(buffer, offset, length);
      return n == 0 ? -1 : n;
    }

    @Override
    public void close() {
      fd.close();
    }
  }

  private static final class FdOut extends OutputStream {
    private final Fd fd;

    FdOut(Processes processes, int fd) {
      this.fd = new Fd(processes, fd);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
      fd.write(buffer, offset, length);
    }

    @Override
    public void close() {
      fd.close();
    }
  }
}
