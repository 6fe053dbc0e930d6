package io.corral.actors.container;

import static io.corral.actors.Fixture.TIMEOUT;
import static io.corral.actors.Fixture.id;
import static io.corral.actors.Fixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.actors.ContainerState;
import io.corral.actors.ContainerProvisioningTest;
import io.corral.actors.Containerizer;
import io.corral.actors.FakeProvisioner;
import io.corral.actors.Fixture;
import io.corral.actors.launch.Checkpoints;
import io.corral.isolators.Phase;
import io.corral.testkit.Fault;
import io.corral.testkit.Faults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The container's transition table, row by row: for every phase and every message a container
 * answers, the reply and the phase after it. It reads like the table in {@code docs/design.md}.
 * A container is held in a launching phase by an isolator call that hangs (prepare, isolate) and
 * in DESTROYING by a cleanup that hangs; the phase timeout is far away, so a container destroyed
 * while an isolator call hangs stays DESTROYING (its cleanups wait for the hung call). A container
 * is held in FETCHING by a download from a loopback server that never sends its body; nothing
 * hangs its destruction, which cancels the download, so it ends TERMINATED.
 */
class LifecycleTableTest {
  static final ActorTestKit KIT = ActorTestKit.create("lifecycle-table", Fixture.config());

  /** What a row sends. */
  enum Message { WAIT, KILL_TERM, KILL_KILL, USAGE, UPDATE, REMOVE, INIT_EXITS }

  /** A row: in {@code phase}, {@code message} is answered with {@code reply} (null: not yet) and leads to {@code after}. */
  record Row(ContainerState phase, Message message, Class<?> reply, ContainerState after) {
    @Override
    public String toString() {
      return phase + " + " + message + " -> " + (reply == null ? "(no answer yet)" : reply.getSimpleName()) + ", " + after;
    }
  }

  private static final ContainerState V = ContainerState.PROVISIONING;
  private static final ContainerState P = ContainerState.PREPARING;
  private static final ContainerState I = ContainerState.ISOLATING;
  private static final ContainerState F = ContainerState.FETCHING;
  private static final ContainerState R = ContainerState.RUNNING;
  private static final ContainerState D = ContainerState.DESTROYING;
  private static final ContainerState T = ContainerState.TERMINATED;
  private static final Class<?> REJECTED = Containerizer.Rejected.class;
  private static final Class<?> STATISTICS = Containerizer.Statistics.class;
  private static final Class<?> KILLED = Containerizer.Killed.class;

  static Stream<Row> table() {
    return Stream.of(
        // phase   message               reply                              phase after
        new Row(V, Message.WAIT,       null,                              V),
        new Row(V, Message.KILL_TERM,  REJECTED,                          V),
        new Row(V, Message.KILL_KILL,  KILLED,                            T),
        new Row(V, Message.USAGE,      STATISTICS,                        V),
        new Row(V, Message.UPDATE,     REJECTED,                          V),
        new Row(V, Message.REMOVE,     REJECTED,                          V),
        new Row(P, Message.WAIT,       null,                              P),
        new Row(P, Message.KILL_TERM,  REJECTED,                          P),
        new Row(P, Message.KILL_KILL,  KILLED,                            D),
        new Row(P, Message.USAGE,      STATISTICS,                        P),
        new Row(P, Message.UPDATE,     REJECTED,                          P),
        new Row(P, Message.REMOVE,     REJECTED,                          P),
        new Row(I, Message.WAIT,       null,                              I),
        new Row(I, Message.KILL_TERM,  REJECTED,                          I),
        new Row(I, Message.KILL_KILL,  KILLED,                            D),
        new Row(I, Message.USAGE,      STATISTICS,                        I),
        new Row(I, Message.UPDATE,     REJECTED,                          I),
        new Row(I, Message.REMOVE,     REJECTED,                          I),
        new Row(I, Message.INIT_EXITS, null,                              D),
        new Row(F, Message.WAIT,       null,                              F),
        new Row(F, Message.KILL_TERM,  REJECTED,                          F),
        new Row(F, Message.KILL_KILL,  KILLED,                            T),
        new Row(F, Message.USAGE,      STATISTICS,                        F),
        new Row(F, Message.UPDATE,     REJECTED,                          F),
        new Row(F, Message.REMOVE,     REJECTED,                          F),
        new Row(F, Message.INIT_EXITS, null,                              T),
        new Row(R, Message.WAIT,       null,                              R),
        new Row(R, Message.KILL_TERM,  KILLED,                            R),
        new Row(R, Message.KILL_KILL,  KILLED,                            T),
        new Row(R, Message.USAGE,      STATISTICS,                        R),
        new Row(R, Message.UPDATE,     Containerizer.Updated.class,       R),
        new Row(R, Message.REMOVE,     REJECTED,                          R),
        new Row(R, Message.INIT_EXITS, null,                              T),
        new Row(D, Message.WAIT,       null,                              D),
        new Row(D, Message.KILL_TERM,  REJECTED,                          D),
        new Row(D, Message.KILL_KILL,  KILLED,                            D),
        new Row(D, Message.USAGE,      STATISTICS,                        D),
        new Row(D, Message.UPDATE,     REJECTED,                          D),
        new Row(D, Message.REMOVE,     REJECTED,                          D),
        new Row(T, Message.WAIT,       Containerizer.Terminated.class,    T),
        new Row(T, Message.KILL_TERM,  REJECTED,                          T),
        new Row(T, Message.KILL_KILL,  KILLED,                            T),
        new Row(T, Message.USAGE,      REJECTED,                          T),
        new Row(T, Message.UPDATE,     REJECTED,                          T),
        new Row(T, Message.REMOVE,     Containerizer.Removed.class,       null));
  }

  /** One directory for every row: containers still running at a row's end are killed with the kit. */
  static final Path TEMP = temp();
  final Faults faults = new Faults();

  private static Path temp() {
    try {
      return java.nio.file.Files.createTempDirectory("lifecycle-table");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterEach
  void release() {
    faults.releaseAll();
  }

  @AfterAll
  static void shutdown() throws java.io.IOException {
    STALLING.stop(0);
    KIT.shutdownTestKit();
    Checkpoints.deleteRecursively(TEMP);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void row(Row row) throws Exception {
    Path temp = java.nio.file.Files.createTempDirectory(TEMP, "row");
    Fixture f = row.phase() == V
        ? new Fixture(KIT, temp, Duration.ofMinutes(5), faults, new FakeProvisioner(new CopyOnWriteArrayList<>()), "a")
        : new Fixture(KIT, temp, Duration.ofMinutes(5), Duration.ofMinutes(5), faults, "a");
    String id = "c";
    reach(f, id, row.phase());
    TestProbe<Object> probe = KIT.createTestProbe();
    send(f, id, row.message(), probe);
    if (row.reply() == null) {
      probe.expectNoMessage(Duration.ofMillis(200));
    } else {
      Object reply = probe.receiveMessage(TIMEOUT);
      assertInstanceOf(row.reply(), reply, row + ": " + reply);
    }
    if (row.after() == null) {
      assertTrue(f.list().containers().isEmpty(), row.toString());
    } else if (row.after() == T) {
      assertInstanceOf(Containerizer.Terminated.class, f.waitFor(id).receiveMessage(TIMEOUT), row.toString());
    } else {
      assertEquals(row.after(), state(f, id), row.toString());
    }
  }

  /**
   * A loopback HTTP server whose answers send their headers and then nothing: a fetch from it
   * stays in flight for the fetcher's stall timeout (a minute), holding its container FETCHING.
   */
  static final com.sun.net.httpserver.HttpServer STALLING = stallingServer();

  private static com.sun.net.httpserver.HttpServer stallingServer() {
    try {
      com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
          new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 10);
      server.createContext("/", exchange -> exchange.sendResponseHeaders(200, 1 << 20));
      server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
      server.start();
      return server;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Launches container {@code id} and holds it in {@code phase}. */
  private void reach(Fixture f, String id, ContainerState phase) throws Exception {
    if (phase == F) {
      f.containerizer.tell(new Containerizer.Launch(request(id, "true").toBuilder().setCommand(
          io.corral.proto.v1.CommandInfo.newBuilder().setValue("true").addUris(io.corral.proto.v1.CommandInfo.URI
              .newBuilder().setValue("http://127.0.0.1:" + STALLING.getAddress().getPort() + "/stalls"))).build(),
          null, KIT.<Containerizer.LaunchReply>createTestProbe().getRef()));
      KIT.createTestProbe().awaitAssert(TIMEOUT, () -> {
        assertEquals(F, state(f, id));
        return null;
      });
      return;
    }
    if (phase == V) { // the fake provisioner never completes
      f.containerizer.tell(new Containerizer.Launch(ContainerProvisioningTest.imageLaunch(id,
          ContainerProvisioningTest.imageCommand()), null, KIT.<Containerizer.LaunchReply>createTestProbe().getRef()));
      KIT.createTestProbe().awaitAssert(TIMEOUT, () -> {
        assertEquals(V, state(f, id));
        return null;
      });
      return;
    }
    if (phase == P || phase == I) {
      faults.inject("a", phase == P ? Phase.PREPARE : Phase.ISOLATE, Fault.HANG).forContainer(id);
      f.containerizer.tell(new Containerizer.Launch(request(id, "true"), null, KIT.<Containerizer.LaunchReply>createTestProbe().getRef()));
      assertTrue(faults.awaitHangs(1, TIMEOUT), "expected a hung " + phase);
      return;
    }
    f.launched(id);
    if (phase == D) {
      faults.inject("a", Phase.CLEANUP, Fault.HANG).forContainer(id);
      assertEquals(new Containerizer.Killed(id(id)), f.kill(id, ContainerActor.SIGKILL));
      assertTrue(faults.awaitHangs(1, TIMEOUT), "expected a hung cleanup");
    } else if (phase == T) {
      f.kill(id, ContainerActor.SIGKILL);
      f.terminated(id);
    }
    assertEquals(phase, state(f, id));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void send(Fixture f, String id, Message message, TestProbe<Object> probe) {
    org.apache.pekko.actor.typed.ActorRef ref = probe.getRef();
    switch (message) {
      case WAIT -> f.containerizer.tell(new Containerizer.Wait(id(id), ref));
      case KILL_TERM -> f.containerizer.tell(new Containerizer.Kill(id(id), 15, ref));
      case KILL_KILL -> f.containerizer.tell(new Containerizer.Kill(id(id), ContainerActor.SIGKILL, ref));
      case USAGE -> f.containerizer.tell(new Containerizer.Usage(id(id), ref));
      case UPDATE -> f.containerizer.tell(new Containerizer.Update(id(id),
          List.of(Fixture.scalar("cpus", 1)), Map.of(), ref));
      case REMOVE -> f.containerizer.tell(new Containerizer.Remove(id(id), ref));
      case INIT_EXITS -> f.launcher.only(id).exited.complete(0);
    }
  }

  private static ContainerState state(Fixture f, String id) {
    return f.list().containers().stream().filter(c -> c.id().equals(id(id))).findFirst().orElseThrow().state();
  }
}
