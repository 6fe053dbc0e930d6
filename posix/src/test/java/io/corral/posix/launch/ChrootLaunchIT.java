package io.corral.posix.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.nativeimpl.NativeProcesses;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.Mount;
import io.corral.proto.v1.Namespace;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * corral-init where {@code /} is not a mount point: run chrooted into a plain directory (the host
 * tools bound into it in a private mount namespace of the test; no JVM inside), it launches a
 * command in new mount and pid namespaces with a private {@code /proc}, and that {@code /proc}
 * does not propagate to the mount namespace it was started from (made shared for the test, as
 * systemd makes the host's).
 */
@Tag("root")
class ChrootLaunchIT {
  @TempDir Path dir;

  @BeforeAll
  static void requireRoot() {
    assumeTrue(NativeProcesses.create().geteuid() == 0, "needs root: mount namespaces, bind mounts and chroot");
  }

  /** A directory to chroot into: the host's /usr (bound by the script) and an empty /dev/null. */
  private Path chrootDirectory() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    for (String d : List.of("usr", "proc", "dev", "run")) {
      Files.createDirectories(root.resolve(d));
    }
    for (String link : List.of("bin", "lib", "lib64", "sbin")) {
      Files.createSymbolicLink(root.resolve(link), Path.of("usr", link));
    }
    Files.createFile(root.resolve("dev/null"));
    Files.write(root.resolve("corral-init"), CorralInit.bytes());
    Files.setPosixFilePermissions(root.resolve("corral-init"), PosixFilePermissions.fromString("rwx------"));
    return root;
  }

  /** Runs corral-init with the plan chrooted into root, in a mount namespace whose / is shared. */
  private static String runChrooted(Path root, LaunchPlan plan) throws Exception {
    ByteArrayOutputStream framed = new ByteArrayOutputStream();
    framed.write(InitProtocol.frame(plan));
    framed.write('G'); // the go byte, read by the init once it is cloned
    Files.write(root.resolve("plan"), framed.toByteArray());

    String script = String.join("\n",
        "set -e",
        "mount --make-rshared /",
        "mount --rbind /usr '" + root + "/usr'",
        "mount --bind /dev/null '" + root + "/dev/null'",
        "chroot '" + root + "' /corral-init < '" + root + "/plan' > '" + root + "/report' 2>&1 || true",
        "grep -c ' " + root + "/proc ' /proc/self/mountinfo || true");
    Process test = new ProcessBuilder("unshare", "--mount", "--propagation", "slave", "sh", "-c", script)
        .redirectErrorStream(true).start();
    String out = new String(test.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(true, test.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(0, test.exitValue(), out);
    return out;
  }

  @Test
  void aChrootedAgentLaunchesIntoNewMountAndPidNamespaces() throws Exception {
    Path root = chrootDirectory();
    LaunchPlan plan = LaunchPlan.newBuilder().setVersion(1)
        .addCloneNamespaces(Namespace.MOUNT).addCloneNamespaces(Namespace.PID)
        .addMounts(Mount.newBuilder().setSource("proc").setTarget("/proc").setType("proc"))
        .addEnvironment("PATH=/usr/bin:/bin")
        .addArgv("/bin/sh").addArgv("-c").addArgv("cat /proc/1/comm; echo $$")
        .setStatusPath("/run/status").setStdoutPath("/run/stdout").build();
    String out = runChrooted(root, plan);

    String report = Files.readString(root.resolve("report"));
    assertEquals(List.of("corral-init", "2"), Files.readAllLines(root.resolve("run/stdout")), report);
    assertEquals("0", Files.readString(root.resolve("run/status")), report);
    assertEquals("0", out.strip(), "the container's /proc propagated out of its namespace");
  }

  /** pivot_root(2) refuses a caller whose / is not a mount point: the init pivots from the real root. */
  @Test
  void aChrootedAgentPivotsIntoARootfs() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "needs /bin/busybox (busybox-static)");
    Path root = chrootDirectory();
    RootfsLaunchIT.busybox(root.resolve("rootfs"));
    LaunchPlan plan = LaunchPlan.newBuilder().setVersion(1)
        .addCloneNamespaces(Namespace.MOUNT).addCloneNamespaces(Namespace.PID)
        .addMounts(Mount.newBuilder().setSource("/rootfs").setTarget("/rootfs").setFlags(4096 | 16384))
        .addMounts(Mount.newBuilder().setSource("proc").setTarget("/rootfs/proc").setType("proc"))
        .addEnvironment("PATH=/bin").setRootfs("/rootfs")
        .addArgv("sh").addArgv("-c").addArgv("ls /; cat /proc/1/comm; test -e /corral-init || echo no-init")
        .setStatusPath("/run/status").setStdoutPath("/run/stdout").build();
    runChrooted(root, plan);

    String report = Files.readString(root.resolve("report"));
    assertEquals(List.of("bin", "proc", "tmp", "corral-init", "no-init"),
        Files.readAllLines(root.resolve("run/stdout")), report);
    assertEquals("0", Files.readString(root.resolve("run/status")), report);
  }
}
