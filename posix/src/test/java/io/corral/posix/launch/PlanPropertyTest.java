package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

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

  @Property(tries = 200)
  void everyPlanTheAgentCanBuildIsDecodedAsBuilt(@ForAll("plans") LaunchPlan plan) throws Exception {
    assertEquals(expected(plan), decode(plan.toByteArray()));
  }

  @Property(tries = 50)
  void aNulInsideAnArgumentIsRefusedNamingItsField(@ForAll("plans") LaunchPlan plan) throws Exception {
    LaunchPlan withNul = plan.toBuilder().setArgv(0, plan.getArgv(0) + "\0tail").build();
    assertEquals("ERR LaunchPlan field 6: string contains NUL", decode(withNul.toByteArray()));
  }

  @Property
  void everyStatusLineParsesIntoAValue(@ForAll String line) {
    InitProtocol.Line parsed = InitProtocol.parse(line);
    if (parsed instanceof InitProtocol.Err err) {
      assertTrue(err.toException().getMessage() != null);
    }
  }

  @Property
  void anErrLineKeepsItsStepErrnoAndMessage(@ForAll("words") String step, @ForAll int errno, @ForAll String message) {
    assertEquals(new InitProtocol.Err(step, errno, message),
        InitProtocol.parse("ERR " + step + " " + errno + " " + message));
  }

  @Provide
  Arbitrary<String> words() {
    return Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12);
  }

  private static net.jqwik.api.arbitraries.StringArbitrary text() {
    return Arbitraries.strings().excludeChars('\0').ofMaxLength(24);
  }

  @Provide
  Arbitrary<LaunchPlan> plans() {
    Arbitrary<Mount> mount = Combinators.combine(text(), text().ofMinLength(1), text(), Arbitraries.longs(),
        Arbitraries.of(true, false)).as((source, target, type, flags, create) -> Mount.newBuilder()
        .setSource(source).setTarget(target).setType(type).setFlags(flags).setCreateTarget(create).build());
    Arbitrary<RLimit> rlimit = Combinators.combine(Arbitraries.integers().between(0, 15), Arbitraries.longs(),
        Arbitraries.longs()).as((r, soft, hard) -> RLimit.newBuilder().setResource(r).setSoft(soft).setHard(hard).build());
    Arbitrary<String> join = Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(10),
        Arbitraries.of("tasks", "cgroup.procs")).as((dir, file) -> "/sys/fs/cgroup/" + dir + "/" + file);
    return Builders.withBuilder(() -> LaunchPlan.newBuilder().setVersion(1).setStatusPath("/run/status"))
        .use(Arbitraries.of(Namespace.MOUNT, Namespace.PID, Namespace.IPC, Namespace.UTS, Namespace.NET)
            .list().ofMaxSize(5)).in(LaunchPlan.Builder::addAllCloneNamespaces)
        .use(mount.list().ofMaxSize(4)).in(LaunchPlan.Builder::addAllMounts)
        .use(text().list().ofMaxSize(6)).in(LaunchPlan.Builder::addAllEnvironment)
        .use(text().list().ofMinSize(1).ofMaxSize(6)).in(LaunchPlan.Builder::addAllArgv)
        .use(rlimit.list().ofMaxSize(4)).in(LaunchPlan.Builder::addAllRlimits)
        .use(text()).withProbability(0.5).in(LaunchPlan.Builder::setWorkingDirectory)
        .use(text()).withProbability(0.5).in(LaunchPlan.Builder::setHostname)
        .use(Arbitraries.integers()).withProbability(0.5).in(LaunchPlan.Builder::setUid)
        .use(Arbitraries.integers()).withProbability(0.5).in(LaunchPlan.Builder::setGid)
        .use(Arbitraries.integers().list().ofMaxSize(6)).in(LaunchPlan.Builder::addAllSupplementaryGroups)
        .use(Arbitraries.longs()).withProbability(0.5).in(LaunchPlan.Builder::setEffectiveCapabilities)
        .use(Arbitraries.longs()).withProbability(0.5).in(LaunchPlan.Builder::setBoundingCapabilities)
        .use(Arbitraries.of(true, false)).in(LaunchPlan.Builder::setNoNewPrivileges)
        .use(join.list().ofMaxSize(3)).in(LaunchPlan.Builder::addAllJoinCgroups)
        .build(LaunchPlan.Builder::build);
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
            + " effective=%s nnp=%d", clone == 0 ? "0" : "0x" + Integer.toHexString(clone),
        plan.getMountsCount(), plan.getEnvironmentCount(), plan.getArgvCount(), argBytes, plan.getRlimitsCount(),
        plan.getSupplementaryGroupsCount(), plan.getJoinCgroupsCount(),
        plan.hasUid() ? "" : "-", Integer.toUnsignedString(plan.getUid()),
        plan.hasGid() ? "" : "-", Integer.toUnsignedString(plan.getGid()),
        plan.getEffectiveCapabilities() == 0 ? "0" : "0x" + Long.toHexString(plan.getEffectiveCapabilities()),
        plan.getNoNewPrivileges() ? 1 : 0);
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

  @AfterContainer
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
