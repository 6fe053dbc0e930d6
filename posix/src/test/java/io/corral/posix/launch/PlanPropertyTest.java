package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.corral.posix.testing.SeededTries.anyInt;
import static io.corral.posix.testing.SeededTries.anyLong;
import static io.corral.posix.testing.SeededTries.forAll;
import static io.corral.posix.testing.SeededTries.text;

import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.RLimit;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Properties of the plan between Java and C: every plan the agent can build is decoded by
 * corral-init's decoder exactly as built (namespaces, counts, argv bytes, ids, capabilities),
 * a NUL inside a string is refused naming its field, and the helper's status lines parse into
 * a value, never an exception. The decoder is the sanitized driver ({@code target/plan-fuzz
 * --decode}, see {@link PlanFuzzTest}): one process for every try, checked for sanitizer
 * reports and leaks when it ends.
 */
class PlanPropertyTest {
  private static final Path DRIVER = Path.of("target", "plan-fuzz");
  private static Process driver;
  private static BufferedReader lines;

  private static final long SEED = 0x5eed_91a2L;
  private static final String ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final Namespace[] CLONE = {Namespace.MOUNT, Namespace.PID, Namespace.IPC,
      Namespace.UTS, Namespace.NET};

  @Test
  void everyPlanTheAgentCanBuildIsDecodedAsBuilt() {
    forAll(SEED, 200, edgePlans(), PlanPropertyTest::plan,
        plan -> assertEquals(expected(plan), decode(plan.toByteArray())));
  }

  @Test
  void aNulInsideAnArgumentIsRefusedNamingItsField() {
    forAll(SEED + 1, 50, edgePlans(), PlanPropertyTest::plan, plan -> {
      LaunchPlan withNul = plan.toBuilder().setArgv(0, plan.getArgv(0) + "\0tail").build();
      assertEquals("ERR LaunchPlan field 6: string contains NUL", decode(withNul.toByteArray()));
    });
  }

  @Test
  void everyStatusLineParsesIntoAValue() {
    List<String> examples = List.of("", " ", "OK", "ERR", "ERR ", "ERR step", "ERR step ",
        "ERR step x message", "ERR step 1", "ERR step 99999999999 m", "ERR  1 m", "\n", "\0");
    forAll(SEED + 2, 1000, examples, r -> r.nextBoolean() ? text(r, 255) : "ERR " + text(r, 24), line -> {
      InitProtocol.Line parsed = InitProtocol.parse(line);
      if (parsed instanceof InitProtocol.Err err) {
        assertTrue(err.toException().getMessage() != null);
      }
    });
  }

  @Test
  void anErrLineKeepsItsStepErrnoAndMessage() {
    List<InitProtocol.Err> examples = List.of(new InitProtocol.Err("a", 0, ""),
        new InitProtocol.Err("Z", Integer.MIN_VALUE, " "),
        new InitProtocol.Err("abcdefghijkl", Integer.MAX_VALUE, "x y"),
        new InitProtocol.Err("mount", -1, "\n"), new InitProtocol.Err("mount", 1, "ERR mount 1 m"));
    forAll(SEED + 3, 1000, examples,
        r -> new InitProtocol.Err(word(r), anyInt(r), text(r, 255)),
        err -> assertEquals(err,
            InitProtocol.parse("ERR " + err.step() + " " + err.errno() + " " + err.message())));
  }

  private static String word(Random random) {
    return text(random, ALPHA, 11) + ALPHA.charAt(random.nextInt(ALPHA.length()));
  }

  /** Text of at most 24 chars without a NUL, which the agent refuses before it builds a plan. */
  private static String plainText(Random random) {
    return text(random, 24).replace('\0', '\1');
  }

  private static String nonEmptyText(Random random) {
    String text = plainText(random);
    return text.isEmpty() ? nonEmptyText(random) : text;
  }

  /** The smallest plan, and one with every field at its largest or most extreme. */
  private static List<LaunchPlan> edgePlans() {
    LaunchPlan smallest = LaunchPlan.newBuilder().setVersion(1).setStatusPath("/run/status").addArgv("").build();
    LaunchPlan.Builder full = smallest.toBuilder().addAllCloneNamespaces(List.of(CLONE))
        .setWorkingDirectory("").setHostname("").setUid(-1).setGid(Integer.MIN_VALUE)
        .setEffectiveCapabilities(Long.MIN_VALUE).setBoundingCapabilities(Long.MAX_VALUE)
        .setNoNewPrivileges(true).addJoinCgroups("/sys/fs/cgroup//tasks")
        .setRootfs("/\uffff");
    for (int i = 0; i < 6; i++) {
      full.addEnvironment("").addArgv("\uffff").addSupplementaryGroups(i % 2 == 0 ? Integer.MAX_VALUE : -1);
    }
    for (int i = 0; i < 4; i++) {
      full.addMounts(Mount.newBuilder().setTarget("/").setFlags(-1L).setCreateTarget(true))
          .addRlimits(RLimit.newBuilder().setResource(15).setSoft(-1L).setHard(Long.MAX_VALUE));
    }
    return List.of(smallest, full.build());
  }

  /** A plan as the agent could build it, with every optional field present half of the time. */
  private static LaunchPlan plan(Random r) {
    LaunchPlan.Builder plan = LaunchPlan.newBuilder().setVersion(1).setStatusPath("/run/status");
    for (int i = r.nextInt(6); i > 0; i--) {
      plan.addCloneNamespaces(CLONE[r.nextInt(CLONE.length)]);
    }
    for (int i = r.nextInt(5); i > 0; i--) {
      plan.addMounts(Mount.newBuilder().setSource(plainText(r)).setTarget(nonEmptyText(r))
          .setType(plainText(r)).setFlags(anyLong(r)).setCreateTarget(r.nextBoolean()));
    }
    for (int i = r.nextInt(7); i > 0; i--) {
      plan.addEnvironment(plainText(r));
    }
    for (int i = 1 + r.nextInt(6); i > 0; i--) {
      plan.addArgv(plainText(r));
    }
    for (int i = r.nextInt(5); i > 0; i--) {
      plan.addRlimits(RLimit.newBuilder().setResource(r.nextInt(16)).setSoft(anyLong(r)).setHard(anyLong(r)));
    }
    optionalFields(r, plan);
    for (int i = r.nextInt(7); i > 0; i--) {
      plan.addSupplementaryGroups(anyInt(r));
    }
    for (int i = r.nextInt(4); i > 0; i--) {
      plan.addJoinCgroups("/sys/fs/cgroup/" + text(r, ALPHA, 10) + "/" + (r.nextBoolean() ? "tasks" : "cgroup.procs"));
    }
    return plan.setNoNewPrivileges(r.nextBoolean()).build();
  }

  private static void optionalFields(Random r, LaunchPlan.Builder plan) {
    if (r.nextBoolean()) {
      plan.setWorkingDirectory(plainText(r));
    }
    if (r.nextBoolean()) {
      plan.setHostname(plainText(r));
    }
    if (r.nextBoolean()) {
      plan.setUid(anyInt(r));
    }
    if (r.nextBoolean()) {
      plan.setGid(anyInt(r));
    }
    if (r.nextBoolean()) {
      plan.setEffectiveCapabilities(anyLong(r));
    }
    if (r.nextBoolean()) {
      plan.setBoundingCapabilities(anyLong(r));
    }
    if (r.nextBoolean()) {
      plan.setRootfs("/r" + text(r, ALPHA, 12));
    }
  }

  /** The driver's line for a plan it accepts, computed from the Java side. */
  private static String expected(LaunchPlan plan) {
    int clone = 0;
    for (Namespace ns : plan.getCloneNamespacesList()) {
      clone |= switch (ns) {
        case MOUNT -> 0x20000;
        case UTS -> 0x4000000;
        case IPC -> 0x8000000;
        case PID -> 0x20000000;
        case NET -> 0x40000000;
        default -> throw new IllegalArgumentException("no such namespace in a plan: " + ns);
      };
    }
    int argBytes = 0;
    for (int i = 0; i < plan.getArgvCount(); i++) {
      argBytes += plan.getArgvBytes(i).size();
    }
    return String.format("OK clone=%s mounts=%d env=%d argv=%d/%d rlimits=%d groups=%d joins=%d uid=%s%s gid=%s%s"
            + " effective=%s nnp=%d rootfs=%s", clone == 0 ? "0" : "0x" + Integer.toHexString(clone),
        plan.getMountsCount(), plan.getEnvironmentCount(), plan.getArgvCount(), argBytes, plan.getRlimitsCount(),
        plan.getSupplementaryGroupsCount(), plan.getJoinCgroupsCount(),
        plan.hasUid() ? "" : "-", Integer.toUnsignedString(plan.getUid()),
        plan.hasGid() ? "" : "-", Integer.toUnsignedString(plan.getGid()),
        plan.getEffectiveCapabilities() == 0 ? "0" : "0x" + Long.toHexString(plan.getEffectiveCapabilities()),
        plan.getNoNewPrivileges() ? 1 : 0, plan.hasRootfs() ? plan.getRootfs() : "-");
  }

  /** One line from the driver, started once for all tries and fed framed plans. */
  private static synchronized String decode(byte[] plan) throws Exception {
    if (driver == null) {
      driver = new ProcessBuilder(DRIVER.toString(), "--decode").redirectErrorStream(true).start();
      lines = new BufferedReader(new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8));
    }
    OutputStream in = driver.getOutputStream();
    in.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(plan.length).array());
    in.write(plan);
    in.flush();
    String line = lines.readLine();
    assertTrue(line != null, "the driver exited");
    return line;
  }

  @AfterAll
  static void stopDriver() throws Exception {
    if (driver != null) {
      driver.getOutputStream().close();
      String rest = new String(driver.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(driver.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, driver.exitValue(), "no sanitizer report or leak: " + rest);
      assertEquals("", rest);
      driver = null;
    }
  }
}
