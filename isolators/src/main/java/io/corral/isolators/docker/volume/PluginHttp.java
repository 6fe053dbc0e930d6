package io.corral.isolators.docker.volume;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One HTTP/1.1 {@code POST} to a Docker plugin, over a unix socket or TCP, with a bound on the
 * whole exchange: connect, send, and read the response, which may have a {@code Content-Length},
 * be {@code chunked} (Go's net/http switches to it for bodies written without a length) or end
 * at EOF (HTTP/1.0). {@code java.net.http} cannot reach a unix socket, hence this codec; it sends
 * {@code Connection: close}, so one connection carries one call. A response over
 * {@link #MAX_BODY} bytes, a malformed one, and one not complete within the timeout are
 * {@link IOException}s. Stateless; any thread.
 */
final class PluginHttp {
  /** The media type Docker's plugin clients accept. */
  static final String ACCEPT = "application/vnd.docker.plugins.v1.2+json";
  /** The largest response body read (a List of many volumes fits easily). */
  static final int MAX_BODY = 4 << 20;
  private static final int MAX_HEAD = 64 << 10;

  /** A response: its status code and body. */
  record Response(int status, String body) {}

  private PluginHttp() {}

  /**
   * Posts {@code json} to {@code path} at {@code address} and reads the response.
   *
   * @throws java.net.ConnectException when nothing listens there (the caller may retry)
   * @throws SocketTimeoutException when the exchange did not complete within {@code timeout}
   * @throws IOException for any other failure, a malformed response included
   */
  static Response post(SocketAddress address, String host, String path, String json, Duration timeout)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SocketChannel channel = address instanceof UnixDomainSocketAddress
            ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      Io io = new Io(channel, selector, deadline, path);
      io.connect(address);
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: " + ACCEPT
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
          + "\r\nConnection: close\r\n\r\n";
      ByteBuffer out = ByteBuffer.allocate(head.length() + body.length);
      out.put(head.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
      io.write(out);
      return parse(io);
    }
  }

  private static Response parse(Io io) throws IOException {
    String status = io.line();
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("malformed status line '" + printable(status) + "'");
    }
    int code;
    try {
      code = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("malformed status line '" + printable(status) + "'", e);
    }
    long length = -1;
    boolean chunked = false;
    for (String line = io.line(); !line.isEmpty(); line = io.line()) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("malformed header '" + printable(line) + "'");
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        length = contentLength(value);
      } else if (name.equals("transfer-encoding")) {
        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
      }
    }
    byte[] body = chunked ? chunked(io) : length >= 0 ? io.exactly(length) : io.toEof();
    return new Response(code, new String(body, StandardCharsets.UTF_8));
  }

  private static long contentLength(String value) throws IOException {
    try {
      long length = Long.parseLong(value);
      if (length < 0 || length > MAX_BODY) {
        throw new IOException("response body of " + length + " bytes is over the limit of " + MAX_BODY);
      }
      return length;
    } catch (NumberFormatException e) {
      throw new IOException("malformed Content-Length '" + printable(value) + "'", e);
    }
  }

  private static byte[] chunked(Io io) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String line = io.line();
      int semicolon = line.indexOf(';');
      String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
      long size;
      try {
        size = Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        throw new IOException("malformed chunk size '" + printable(line) + "'", e);
      }
      if (size < 0 || body.size() + size > MAX_BODY) {
        throw new IOException("chunked response body is over the limit of " + MAX_BODY + " bytes");
      }
      if (size == 0) {
        while (!io.line().isEmpty()) {
          // trailers: ignored
        }
        return body.toByteArray();
      }
      body.writeBytes(io.exactly(size));
      if (!io.line().isEmpty()) {
        throw new IOException("malformed chunk: no CRLF after its data");
      }
    }
  }

  /** The text with control characters escaped and cut at 80 characters, for a message. */
  static String printable(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().limit(80).forEach(c -> {
      if (Character.isISOControl(c)) {
        out.append(String.format("\\x%02x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }

  /** The non-blocking reads and writes of one exchange, each bounded by the deadline. */
  private static final class Io {
    private final SocketChannel channel;
    private final Selector selector;
    private final long deadline;
    private final String path;
    private final ByteBuffer in = ByteBuffer.allocate(16 << 10).flip();
    private boolean eof;

    Io(SocketChannel channel, Selector selector, long deadline, String path) throws IOException {
      this.channel = channel;
      this.selector = selector;
      this.deadline = deadline;
      this.path = path;
      channel.register(selector, 0);
    }

    /** Connects; a failure to is a {@link ConnectException} (nothing there to answer). */
    void connect(SocketAddress address) throws IOException {
      try {
        if (!channel.connect(address)) {
          while (!channel.finishConnect()) {
            await(SelectionKey.OP_CONNECT);
          }
        }
      } catch (SocketTimeoutException e) {
        throw e;
      } catch (IOException e) {
        ConnectException refused = new ConnectException("cannot connect to '" + address + "': " + e.getMessage());
        refused.initCause(e);
        throw refused;
      }
    }

    void write(ByteBuffer out) throws IOException {
      while (out.hasRemaining()) {
        if (channel.write(out) == 0) {
          await(SelectionKey.OP_WRITE);
        }
      }
    }

    /** One line without its CRLF (or LF). */
    String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        if (!fill()) {
          throw new IOException("connection closed in the middle of the response");
        }
        byte b = in.get();
        if (b == '\n') {
          String text = line.toString(StandardCharsets.ISO_8859_1);
          return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        }
        if (line.size() >= MAX_HEAD) {
          throw new IOException("response line over " + MAX_HEAD + " bytes");
        }
        line.write(b);
      }
    }

    byte[] exactly(long length) throws IOException {
      byte[] bytes = new byte[(int) length];
      int at = 0;
      while (at < bytes.length) {
        if (!fill()) {
          throw new IOException("connection closed after " + at + " of " + length + " body bytes");
        }
        int n = Math.min(in.remaining(), bytes.length - at);
        in.get(bytes, at, n);
        at += n;
      }
      return bytes;
    }

    byte[] toEof() throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (fill()) {
        if (body.size() + in.remaining() > MAX_BODY) {
          throw new IOException("response body is over the limit of " + MAX_BODY + " bytes");
        }
        byte[] chunk = new byte[in.remaining()];
        in.get(chunk);
        body.writeBytes(chunk);
      }
      return body.toByteArray();
    }

    /** Whether a byte is ready in {@code in}, reading more if needed; false at EOF. */
    private boolean fill() throws IOException {
      while (!in.hasRemaining() && !eof) {
        in.clear();
        int n = channel.read(in);
        in.flip();
        if (n < 0) {
          eof = true;
        } else if (n == 0) {
          await(SelectionKey.OP_READ);
        }
      }
      return in.hasRemaining();
    }

    private void await(int op) throws IOException {
      SelectionKey key = channel.keyFor(selector);
      key.interestOps(op);
      long left = deadline - System.nanoTime();
      long millis = Math.max(1, left / 1_000_000);
      if (left <= 0 || selector.select(millis) == 0 && System.nanoTime() - deadline >= 0) {
        throw new SocketTimeoutException("no complete response to '" + path + "' in time");
      }
      selector.selectedKeys().clear();
    }
  }
}
