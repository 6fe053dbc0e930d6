package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.Errno;
import io.corral.proto.v1.LaunchPlan;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class InitProtocolTest {

  @Test
  void framesThePlanWithALittleEndianLength() throws Exception {
    LaunchPlan plan = LaunchPlan.newBuilder().setVersion(1).addArgv("/bin/true").build();
    byte[] body = plan.toByteArray();
    byte[] framed = InitProtocol.frame(plan);
    assertEquals(body.length + 4, framed.length);
    assertEquals(body.length, (framed[0] & 0xff) | (framed[1] & 0xff) << 8 | (framed[2] & 0xff) << 16 | (framed[3] & 0xff) << 24);
    assertArrayEquals(body, Arrays.copyOfRange(framed, 4, framed.length));
    assertEquals(plan, LaunchPlan.parseFrom(Arrays.copyOfRange(framed, 4, framed.length)));
  }

  @Test
  void refusesAPlanOverTheHelpersLimit() {
    LaunchPlan plan = LaunchPlan.newBuilder().setVersion(1).addEnvironment("X=" + "x".repeat(1 << 20)).build();
    LaunchException e = assertThrows(LaunchException.class, () -> InitProtocol.frame(plan));
    assertEquals("plan", e.step());
  }

  @Test
  void parsesEveryKindOfLine() {
    assertEquals(new InitProtocol.Pid(42), InitProtocol.parse("PID 42"));
    assertEquals(new InitProtocol.Child(2), InitProtocol.parse("CHILD 2"));
    InitProtocol.Line err = InitProtocol.parse("ERR exec 2 exec '/no such': ENOENT (No such file or directory)");
    assertEquals(new InitProtocol.Err("exec", 2, "exec '/no such': ENOENT (No such file or directory)"), err);
    LaunchException e = ((InitProtocol.Err) err).toException();
    assertEquals("exec", e.step());
    assertEquals(Errno.ENOENT, e.errno().orElseThrow());
    assertEquals("exec '/no such': ENOENT (No such file or directory)", e.getMessage());
  }

  @Test
  void aRefusalHasNoErrno() {
    LaunchException e = ((InitProtocol.Err) InitProtocol.parse("ERR plan 0 LaunchPlan: unknown field number 99")).toException();
    assertTrue(e.errno().isEmpty());
  }

  @Test
  void garbageBecomesAnInitError() {
    for (String line : new String[] {"PID x", "HELLO", "ERR exec", "CHILD 1 2"}) {
      InitProtocol.Err err = (InitProtocol.Err) InitProtocol.parse(line);
      assertEquals("init", err.step());
      assertTrue(err.message().contains(line), err.message());
    }
  }

  @Test
  void readsLinesUntilEndOfStream() throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream("PID 7\nCHILD 2\nlast".getBytes(StandardCharsets.UTF_8));
    assertEquals("PID 7", InitProtocol.readLine(in));
    assertEquals("CHILD 2", InitProtocol.readLine(in));
    assertEquals("last", InitProtocol.readLine(in));
    assertNull(InitProtocol.readLine(in));
  }
}
