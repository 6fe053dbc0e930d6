package io.corral.posix.launch;

import io.corral.posix.Errno;
import io.corral.proto.v1.LaunchPlan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The wire format between the agent and {@code corral-init}: the length-framed plan on the
 * sync pipe, and the lines of the status pipe ({@code PID n}, {@code CHILD n},
 * {@code ERR step errno message}). Pure functions, any thread.
 */
final class InitProtocol {
  /** corral-init refuses larger plans; the agent refuses them before spawning anything. */
  static final int MAX_PLAN_BYTES = 1 << 20;

  private static final int MAX_LINE = 8192;

  private InitProtocol() {}

  /** A status-pipe line. */
  sealed interface Line permits Pid, Child, Err {}

  /** The init's pid as seen from the host. */
  record Pid(int pid) implements Line {}

  /** The command's pid as seen from the init. */
  record Child(int pid) implements Line {}

  /** A failed step; errno 0 means a refusal rather than a failed system call. */
  record Err(String step, int errno, String message) implements Line {
    LaunchException toException() {
      return new LaunchException(step, errno == 0 ? null : Errno.of(errno), message);
    }
  }

  /** A 4-byte little-endian length, then the plan's bytes. */
  static byte[] frame(LaunchPlan plan) {
    byte[] body = plan.toByteArray();
    if (body.length > MAX_PLAN_BYTES) {
      throw new LaunchException("plan", null,
          "plan of " + body.length + " bytes exceeds the limit of " + MAX_PLAN_BYTES);
    }
    return ByteBuffer.allocate(4 + body.length).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(body.length).put(body).array();
  }

  /** Parses one line; anything unexpected becomes an {@code init} error naming the line. */
  static Line parse(String line) {
    String[] parts = line.split(" ", 4);
    try {
      if (parts.length == 2 && parts[0].equals("PID")) {
        return new Pid(Integer.parseInt(parts[1]));
      }
      if (parts.length == 2 && parts[0].equals("CHILD")) {
        return new Child(Integer.parseInt(parts[1]));
      }
      if (parts.length == 4 && parts[0].equals("ERR")) {
        return new Err(parts[1], Integer.parseInt(parts[2]), parts[3]);
      }
    } catch (NumberFormatException e) {
      // falls through to the error below
    }
    return new Err("init", 0, "unexpected line from corral-init: '" + line + "'");
  }

  /** Reads one line without its newline, or null at end of stream. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(32);
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (line.size() < MAX_LINE) {
        line.write(b);
      }
    }
    if (b < 0 && line.size() == 0) {
      return null;
    }
    return line.toString(StandardCharsets.UTF_8);
  }
}
