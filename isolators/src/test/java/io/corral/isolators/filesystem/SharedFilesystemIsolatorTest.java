package io.corral.isolators.filesystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Contexts;
import io.corral.isolators.IsolatorException;
import io.corral.posix.testing.TestDirectories;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import io.corral.proto.v1.Volume;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * filesystem/shared on its returned plans, with a real sandbox and real host directories (no
 * root needed): every volume rule, and every refusal leaving the sandbox as it was.
 */
class SharedFilesystemIsolatorTest {
  private static final long MS_RDONLY = 1;
  private static final long MS_NOSUID = 2;
  private static final long MS_NODEV = 4;
  private static final long MS_REMOUNT = 32;
  private static final long MS_BIND = 4096;
  private static final long MS_REC = 16384;

  @TempDir Path host;
  /** Not under /tmp, so that a volume onto /tmp does not hide it. */
  private Path sandbox;
  private SharedFilesystemIsolator isolator;

  @BeforeEach
  void setUp() throws IOException {
    sandbox = TestDirectories.notUnderTmp("sandboxes", "sandbox");
    Path mountinfo = host.resolve("mountinfo");
    Files.writeString(mountinfo, "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        + "30 22 0:5 / " + host + " rw,nosuid,nodev,relatime shared:2 - tmpfs tmpfs rw\n");
    isolator = new SharedFilesystemIsolator(new MountTable(mountinfo));
  }

  @AfterEach
  void tearDown() throws IOException {
    try (Stream<Path> walk = Files.walk(sandbox)) {
      walk.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    }
  }

  private ContainerContext context(Volume... volumes) {
    return context(Optional.of(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
        .addAllVolumes(List.of(volumes)).build()));
  }

  private ContainerContext context(Optional<ContainerInfo> info) {
    ContainerContext c = Contexts.of("c1");
    Call.LaunchContainer.Builder launch = c.launch().toBuilder().clearContainer();
    info.ifPresent(launch::setContainer);
    return new ContainerContext(c.id(), launch.build(), sandbox, c.runtimeDir());
  }

  private static Volume volume(String hostPath, String containerPath, Volume.Mode mode) {
    return Volume.newBuilder().setHostPath(hostPath).setContainerPath(containerPath)
        .setMode(mode).build();
  }

  private String refusal(Volume... volumes) throws IOException {
    List<Path> before = listing();
    String message = assertThrows(IsolatorException.class,
        () -> isolator.prepare(context(volumes))).getMessage();
    assertEquals(before, listing(), "nothing is created before a refusal");
    return message;
  }

  private List<Path> listing() throws IOException {
    try (Stream<Path> walk = Files.walk(sandbox)) {
      return walk.sorted().toList();
    }
  }

  @Test
  void withoutVolumesItIsFilesystemPosix() {
    LaunchPlan plan = isolator.prepare(context(Optional.empty()));
    assertEquals(new PosixFilesystemIsolator().prepare(context(Optional.empty())), plan);
    assertEquals(sandbox.toString(), plan.getWorkingDirectory());
    assertEquals(List.of("MESOS_SANDBOX=" + sandbox), plan.getEnvironmentList());
    assertEquals(0, plan.getCloneNamespacesCount());
  }

  @Test
  void anAbsoluteReadWriteVolumeIsARecursiveBind() throws IOException {
    Path source = Files.createDirectory(host.resolve("data"));
    Path target = Files.createDirectory(host.resolve("mnt"));
    LaunchPlan plan = isolator.prepare(context(volume(source.toString(), target.toString(),
        Volume.Mode.RW)));
    assertEquals(List.of(Namespace.MOUNT), plan.getCloneNamespacesList());
    assertEquals(List.of(Mount.newBuilder().setSource(source.toRealPath().toString())
        .setTarget(target.toRealPath().toString()).setFlags(MS_BIND | MS_REC).build()),
        plan.getMountsList());
    assertEquals(sandbox.toString(), plan.getWorkingDirectory());
  }

  @Test
  void anAbsoluteReadOnlyVolumeIsRemountedReadOnlyKeepingNosuidAndNodev() throws IOException {
    Path source = Files.createDirectory(host.resolve("data"));
    Path target = Files.createDirectory(host.resolve("mnt"));
    LaunchPlan plan = isolator.prepare(context(volume(source.toString(), target.toString(),
        Volume.Mode.RO)));
    String real = target.toRealPath().toString();
    assertEquals(List.of(
        Mount.newBuilder().setSource(source.toRealPath().toString()).setTarget(real)
            .setFlags(MS_BIND).build(),
        Mount.newBuilder().setTarget(real)
            .setFlags(MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV).build()),
        plan.getMountsList());
  }

  @Test
  void aFileCanBeBoundOntoAFile() throws IOException {
    Path source = Files.writeString(host.resolve("hosts"), "x");
    Path target = Files.writeString(host.resolve("target-file"), "y");
    LaunchPlan plan = isolator.prepare(context(volume(source.toString(), target.toString(),
        Volume.Mode.RW)));
    assertEquals(source.toRealPath().toString(), plan.getMounts(0).getSource());
  }

  @Test
  void aRelativeVolumeIsASandboxDirectoryWithTheModeAndOwnerOfTheHostPath() throws IOException {
    Path target = Files.createDirectory(host.resolve("scratch"));
    Files.setAttribute(target, "unix:mode", 01777);
    LaunchPlan plan = isolator.prepare(context(volume("tmp", target.toString(), Volume.Mode.RW)));
    Path created = sandbox.resolve("tmp");
    assertTrue(Files.isDirectory(created));
    assertEquals(01777, (Integer) Files.getAttribute(created, "unix:mode") & 07777);
    assertEquals(Files.getAttribute(target, "unix:uid"), Files.getAttribute(created, "unix:uid"));
    assertEquals(Files.getAttribute(target, "unix:gid"), Files.getAttribute(created, "unix:gid"));
    assertEquals(List.of(Mount.newBuilder().setSource(created.toString())
        .setTarget(target.toRealPath().toString()).setFlags(MS_BIND | MS_REC).build()),
        plan.getMountsList());
  }

  @Test
  void tmpOntoSlashTmpIsAPrivateStickyTmp() throws IOException {
    // The volume directory gets the owner of /tmp (root): only root, or /tmp's owner, may chown.
    Path tmp = Path.of("/tmp");
    assumeTrue(Files.getAttribute(tmp, "unix:uid").equals(Files.getAttribute(sandbox, "unix:uid"))
        && Files.getAttribute(tmp, "unix:gid").equals(Files.getAttribute(sandbox, "unix:gid")),
        "needs root: the volume directory gets the owner of /tmp");
    LaunchPlan plan = isolator.prepare(context(volume("tmp", "/tmp", Volume.Mode.RW)));
    assertEquals("/tmp", plan.getMounts(0).getTarget());
    assertEquals(sandbox.resolve("tmp").toString(), plan.getMounts(0).getSource());
  }

  @Test
  void aNestedRelativePathIsCreatedWhole() throws IOException {
    Path target = Files.createDirectory(host.resolve("cache"));
    isolator.prepare(context(volume("a/b/c", target.toString(), Volume.Mode.RW)));
    assertTrue(Files.isDirectory(sandbox.resolve("a/b/c")));
  }

  @Test
  void aSymlinkThatStaysInTheSandboxIsFollowed() throws IOException {
    Files.createDirectory(sandbox.resolve("real"));
    Files.createSymbolicLink(sandbox.resolve("link"), sandbox.resolve("real"));
    Path target = Files.createDirectory(host.resolve("cache"));
    LaunchPlan plan = isolator.prepare(context(volume("link/x", target.toString(),
        Volume.Mode.RW)));
    assertEquals(sandbox.resolve("real/x").toString(), plan.getMounts(0).getSource());
  }

  @Test
  void dotDotInTheHostPathIsRefused() throws IOException {
    assertEquals("Failed to prepare: volume host path '../../etc' must not contain '.' or '..'",
        refusal(volume("../../etc", "/tmp", Volume.Mode.RW)));
    assertTrue(refusal(volume("a/../../x", "/tmp", Volume.Mode.RW)).contains("'..'"));
    assertTrue(refusal(volume("./x", "/tmp", Volume.Mode.RW)).contains("'.'"));
  }

  @Test
  void aSymlinkOutOfTheSandboxIsRefused() throws IOException {
    Files.createSymbolicLink(sandbox.resolve("out"), host);
    Path target = Files.createDirectory(host.resolve("cache"));
    assertEquals("Failed to prepare: volume host path 'out/x' escapes the sandbox '" + sandbox
        + "' (it resolves to '" + host.toRealPath() + "')",
        refusal(volume("out/x", target.toString(), Volume.Mode.RW)));
    assertTrue(refusal(volume("out", target.toString(), Volume.Mode.RW)).contains("escapes"));
    assertFalse(Files.exists(host.resolve("x")), "nothing created outside the sandbox");
  }

  @Test
  void aDanglingSymlinkIsRefused() throws IOException {
    Files.createSymbolicLink(sandbox.resolve("dangling"), host.resolve("nowhere"));
    Path target = Files.createDirectory(host.resolve("cache"));
    assertTrue(refusal(volume("dangling", target.toString(), Volume.Mode.RW))
        .contains("escapes the sandbox"));
    assertFalse(Files.exists(host.resolve("nowhere")));
  }

  @Test
  void theContainerPathMustBeAbsoluteAndExist() throws IOException {
    assertEquals("Failed to prepare: volume container path 'tmp' is not absolute",
        refusal(volume("tmp", "tmp", Volume.Mode.RW)));
    assertEquals("Failed to prepare: volume container path '" + host.resolve("missing")
        + "' must exist on host for shared filesystem isolator",
        refusal(volume("tmp", host.resolve("missing").toString(), Volume.Mode.RW)));
    assertTrue(refusal(volume("tmp", "/tmp/../etc", Volume.Mode.RW)).contains("'..'"));
  }

  @Test
  void anAbsoluteHostPathMustExist() throws IOException {
    assertEquals("Failed to prepare: volume host path '" + host.resolve("missing")
        + "' does not exist",
        refusal(volume(host.resolve("missing").toString(), "/tmp", Volume.Mode.RO)));
  }

  @Test
  void aHostPathIsRequired() throws IOException {
    Volume noHostPath = Volume.newBuilder().setContainerPath("/tmp").setMode(Volume.Mode.RW)
        .build();
    assertTrue(refusal(noHostPath).startsWith(
        "Failed to prepare: volume with container path '/tmp' has no host_path"));
  }

  @Test
  void twoVolumesOntoOneContainerPathAreRefused() throws IOException {
    Path target = Files.createDirectory(host.resolve("cache"));
    assertEquals("Failed to prepare: two volumes have the container path '"
        + target.toRealPath() + "'",
        refusal(volume("a", target.toString(), Volume.Mode.RW),
            volume("b", target + "/", Volume.Mode.RO)));
    assertFalse(Files.exists(sandbox.resolve("a")), "the first volume was not created either");
  }

  @Test
  void aVolumeUnderAnotherIsRefused() throws IOException {
    Path outer = Files.createDirectory(host.resolve("outer"));
    Path inner = Files.createDirectory(outer.resolve("inner"));
    assertEquals("Failed to prepare: cannot mount volume to '" + inner.toRealPath()
        + "' because it is under volume '" + outer.toRealPath() + "'",
        refusal(volume("a", outer.toString(), Volume.Mode.RW),
            volume("b", inner.toString(), Volume.Mode.RW)));
  }

  @Test
  void aVolumeThatWouldHideTheSandboxIsRefused() throws IOException {
    assertEquals("Failed to prepare: cannot mount volume to '" + sandbox.getParent()
        + "' because the sandbox '" + sandbox + "' is under it",
        refusal(volume("x", sandbox.getParent().toString(), Volume.Mode.RW)));
  }

  @Test
  void kindsMustMatch() throws IOException {
    Path file = Files.writeString(host.resolve("file"), "x");
    Path dir = Files.createDirectory(host.resolve("dir"));
    assertEquals("Failed to prepare: cannot mount file '" + file + "' onto directory '" + dir
        + "'", refusal(volume(file.toString(), dir.toString(), Volume.Mode.RW)));
    assertTrue(refusal(volume("x", file.toString(), Volume.Mode.RW))
        .contains("must be a directory on host"));
  }

  @Test
  void onlyMesosContainersAreSupported() {
    ContainerInfo docker = ContainerInfo.newBuilder().setType(ContainerInfo.Type.DOCKER)
        .addVolumes(volume("tmp", "/tmp", Volume.Mode.RW)).build();
    assertEquals("Failed to prepare: can only prepare filesystem for a MESOS container",
        assertThrows(IsolatorException.class, () -> isolator.prepare(context(Optional.of(docker))))
            .getMessage());
  }
}
