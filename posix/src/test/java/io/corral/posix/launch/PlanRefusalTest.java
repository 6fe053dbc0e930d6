package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.corral.posix.nativeimpl.NativeProcFs;
import io.corral.posix.nativeimpl.NativeProcesses;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plans that the real corral-init refuses before it clones anything; needs no privileges. The
 * refusal must name the step and, for a bad field, its number.
 */
class PlanRefusalTest {
  @TempDir Path dir;
  private PidNamespaceLauncher launcher;

  @BeforeEach
  void setUp() {
    launcher = new PidNamespaceLauncher(CorralInit.install(dir.resolve("bin")), NativeProcesses.create(), new NativeProcFs());
  }

  private LaunchPlan.Builder plan() {
    return LaunchPlan.newBuilder().setVersion(1).addArgv("/bin/true")
        .setStatusPath(dir.resolve("status").toString());
  }

  private LaunchException refused(LaunchPlan plan) {
    return assertThrows(LaunchException.class,
        () -> launcher.fork("c1", plan, new Stdio(null, dir.resolve("stdout"), dir.resolve("stderr"))));
  }

  /**
   * Writes raw bytes to the helper, closes its stdin and returns what it reports. The JDK's
   * ProcessBuilder closes every descriptor before its exec, the sealed copy's too, so this runs a
   * file copy of the helper.
   */
  private String raw(byte[] bytes) throws Exception {
    Path copy = dir.resolve("corral-init");
    if (!Files.exists(copy)) {
      Files.write(copy, CorralInit.bytes());
      Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }
    Process helper = new ProcessBuilder(copy.toString()).start();
    try (var in = helper.getOutputStream()) {
      in.write(bytes);
    } catch (java.io.IOException e) {
      // the helper may refuse before reading everything
    }
    String report = new String(helper.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    helper.waitFor();
    return report;
  }

  @Test
  void theHelperBoundsAndChecksTheFraming() throws Exception {
    assertEquals("ERR plan 0 plan of 2097152 bytes exceeds the limit of 1048576\n", raw(new byte[] {0, 0, 0x20, 0}));
    assertEquals("ERR plan 0 short read: 2 of 100 bytes\n", raw(new byte[] {100, 0, 0, 0, 8, 1}));
    assertEquals("ERR plan 0 short read of the plan length\n", raw(new byte[] {1}));
    assertEquals("ERR plan 0 LaunchPlan field 1: truncated varint\n", raw(new byte[] {2, 0, 0, 0, 8, (byte) 0x81}));
    assertEquals("ERR plan 0 LaunchPlan field 4: truncated length-delimited value\n", raw(new byte[] {2, 0, 0, 0, 0x22, 5}));
    assertEquals("ERR plan 0 LaunchPlan field 1: unsupported wire type 5\n", raw(new byte[] {1, 0, 0, 0, 0x0d}));
  }

  @Test
  void boundedLogsNeedTheirPathsAndSizesTogether() {
    assertEquals("LaunchPlan field 28: bounded logs need max_stderr_size",
        refused(plan().setMaxStdoutSize(4096).setStderrPath(dir.resolve("stderr").toString()).build()).getMessage());
    assertEquals("LaunchPlan field 27: more than 1000 rotated log files", refused(new LogRotation(4096, 1001 - 1, 4096, 0)
        .apply(plan().build(), new Stdio(null, dir.resolve("stdout"), dir.resolve("stderr"))).toBuilder()
        .setStdoutRotate(1001).build()).getMessage());
  }

  @Test
  void unknownFieldNumberIsNamed() {
    UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build();
    LaunchException e = refused(plan().setUnknownFields(unknown).build());
    assertEquals("plan", e.step());
    assertTrue(e.errno().isEmpty());
    assertEquals("LaunchPlan: unknown field number 99", e.getMessage());
  }

  @Test
  void unknownFieldInAMountIsNamed() {
    Mount mount = Mount.newBuilder().setTarget("/proc").setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(42, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("x")).build())
        .build()).build();
    LaunchException e = refused(plan().addCloneNamespaces(Namespace.MOUNT).addMounts(mount).build());
    assertEquals("plan", e.step());
    assertEquals("Mount: unknown field number 42", e.getMessage());
  }

  @Test
  void wrongWireTypeIsNamed() {
    UnknownFieldSet wrong = UnknownFieldSet.newBuilder()
        .addField(6, UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build();
    LaunchException e = refused(plan().setUnknownFields(wrong).build());
    assertEquals("plan", e.step());
    assertEquals("LaunchPlan field 6: wrong wire type 0", e.getMessage());
  }

  @Test
  void otherVersionsAreRefused() {
    assertEquals("LaunchPlan version 2 is not supported (expected 1)", refused(plan().setVersion(2).build()).getMessage());
    assertEquals("LaunchPlan field 1 (version) is missing", refused(plan().clearVersion().build()).getMessage());
  }

  @Test
  void mountsNeedAMountNamespace() throws Exception {
    Path marker = dir.resolve("marker");
    LaunchPlan plan = plan().clearArgv().addArgv("/bin/touch").addArgv(marker.toString())
        .addMounts(Mount.newBuilder().setSource("proc").setTarget("/proc").setType("proc")).build();
    LaunchException e = refused(plan);
    assertEquals("mount", e.step());
    assertEquals("mounts need a mount namespace", e.getMessage());
    assertFalse(Files.exists(marker));
  }

  @Test
  void aCgroupToJoinMustBeAnAbsolutePath() {
    LaunchException e = refused(plan().addJoinCgroups("freezer/c1/tasks").build());
    assertEquals("plan", e.step());
    assertEquals("LaunchPlan field 18: cgroup file 'freezer/c1/tasks' is not an absolute path", e.getMessage());
  }

  @Test
  void aCgroupToJoinMustBeATasksOrProcsFileOfACgroupFileSystem() throws Exception {
    LaunchException e = refused(plan().addJoinCgroups("/sys/fs/cgroup/memory/c1/memory.limit_in_bytes").build());
    assertEquals("plan", e.step());
    assertEquals("LaunchPlan field 18: cgroup file '/sys/fs/cgroup/memory/c1/memory.limit_in_bytes' is not a"
        + " 'tasks' or 'cgroup.procs' file", e.getMessage());
    Path notCgroup = Files.writeString(dir.resolve("tasks"), "");
    e = refused(plan().addJoinCgroups(notCgroup.toString()).build());
    assertEquals("cgroup", e.step());
    assertEquals("join_cgroups file '" + notCgroup + "' is not on a cgroup file system", e.getMessage());
    assertEquals("", Files.readString(notCgroup), "nothing was written to it");
  }

  @Test
  void aRootfsMustBeAnAbsolutePathOtherThanTheRootAndNeedsAMountNamespace() {
    LaunchException e = refused(plan().setRootfs("rootfs").build());
    assertEquals("plan", e.step());
    assertEquals("LaunchPlan field 19: rootfs 'rootfs' is not an absolute path", e.getMessage());
    assertEquals("LaunchPlan field 19: rootfs '//' is the host's root",
        refused(plan().setRootfs("//").build()).getMessage());
    e = refused(plan().setRootfs(dir.toString()).build());
    assertEquals("rootfs", e.step());
    assertEquals("a rootfs needs a mount namespace", e.getMessage());
  }

  @Test
  void aHostnameNeedsAUtsNamespace() {
    LaunchException e = refused(plan().setHostname("box").build());
    assertEquals("hostname", e.step());
  }

  @Test
  void aStatusPathAndArgvAreRequired() {
    assertEquals("status", refused(plan().clearStatusPath().build()).step());
    LaunchException e = refused(plan().clearArgv().build());
    assertEquals("plan", e.step());
    assertEquals("plan has no argv", e.getMessage());
  }

  @Test
  void anUnopenableStdoutIsAStdioFailure() {
    LaunchException e = refused(plan().setStdoutPath(dir.resolve("no/such/dir/stdout").toString()).build());
    assertEquals("stdio", e.step());
    assertTrue(e.getMessage().contains("no/such/dir/stdout': ENOENT (No such file or directory)"), e.getMessage());
  }
}
