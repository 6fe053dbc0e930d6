package io.corral.isolators.filesystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ImageLaunches;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * filesystem/linux with a real rootfs (busybox), with namespaces/pid and namespaces/ipc, through
 * corral-init as root: the command's {@code /} is the rootfs and nothing of the host.
 */
@Tag("root")
class LinuxFilesystemIT {
  private ImageLaunches launches;
  private Path base;

  @BeforeEach
  void setUp() throws Exception {
    launches = new ImageLaunches("fslinux");
    base = launches.base();
  }

  private Map<String, String> probe(String script) throws Exception {
    return launches.probe(script, ImageLaunches.MESOS);
  }

  @Test
  void theRootfsIsTheRootAndTheHostIsGone() throws Exception {
    Map<String, String> v = probe(String.join("\n",
        "echo root=$(ls / | tr '\\n' ' ')",
        "echo busybox=$(test -x /bin/busybox && echo yes)",
        "echo work=$(test -e /work && echo visible || echo hidden)",
        "echo base=$(test -e '" + base + "' && echo visible || echo hidden)",
        "echo mounts=$(awk '{print $5}' /proc/self/mountinfo | grep -c -e '^/work' -e '^" + base + "')",
        "echo pid1=$(cat /proc/1/comm) self=$$",
        "echo procs=$(ls /proc | grep -c '^[0-9]')",
        "echo sandbox=$MESOS_SANDBOX pwd=$(pwd)",
        "echo written > /mnt/mesos/sandbox/out && echo write=ok"));
    assertEquals("bin dev etc mnt proc sys", v.get("root"));
    assertEquals("yes", v.get("busybox"));
    assertEquals("hidden", v.get("work"));
    assertEquals("hidden", v.get("base"));
    assertEquals("0", v.get("mounts"), "no mount point of the container is a host path");
    assertEquals("corral-init self=2", v.get("pid1"));
    // The init, sh, and the subshell and pipeline of the probe: nothing of the host's hundreds.
    assertTrue(Integer.parseInt(v.get("procs")) <= 8, "only the container's processes: " + v);
    assertEquals("/mnt/mesos/sandbox pwd=/mnt/mesos/sandbox", v.get("sandbox"));
    assertEquals("ok", v.get("write"));
    assertEquals("written\n", Files.readString(Path.of(v.get("sandbox-host"), "out")));
  }

  @Test
  void devHasTheNodesAndLinksAndSysIsReadOnly() throws Exception {
    Map<String, String> v = probe(String.join("\n",
        "echo dev=$(ls -A /dev | tr '\\n' ' ')",
        "echo null=$(echo x > /dev/null && cat /dev/null | wc -c)",
        "echo zero=$(head -c 4 /dev/zero | wc -c) urandom=$(head -c 4 /dev/urandom | wc -c)",
        "echo fd=$(readlink /dev/fd) ptmx=$(readlink /dev/ptmx) stderr=$(readlink /dev/stderr)",
        "echo pts=$(stat -f -c %T /dev/pts) shm=$(stat -f -c %T /dev/shm) shmmode=$(stat -c %a /dev/shm)",
        "echo sys=$(touch /sys/kernel/x 2>/dev/null && echo rw || echo ro)",
        "echo cgroup=$(ls -A /sys/fs/cgroup | wc -l)",
        "echo procsys=$(echo 1 2>/dev/null > /proc/sys/kernel/ns_last_pid && echo rw || echo ro)",
        "echo shmwrite=$(echo x > /dev/shm/f && echo ok)"));
    assertEquals(Arrays.asList("fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr",
        "stdin", "stdout", "tty", "urandom", "zero"), List.of(v.get("dev").strip().split(" ")));
    assertEquals("0", v.get("null"));
    assertEquals("4 urandom=4", v.get("zero"));
    assertEquals("/proc/self/fd ptmx=pts/ptmx stderr=/proc/self/fd/2", v.get("fd"));
    assertEquals("devpts shm=tmpfs shmmode=1777", v.get("pts"));
    assertEquals("ro", v.get("sys"));
    assertEquals("0", v.get("cgroup"));
    assertEquals("ro", v.get("procsys"));
    assertEquals("ok", v.get("shmwrite"));
  }

  @Test
  void theMaskedPathsAreMasked() throws Exception {
    StringBuilder script = new StringBuilder();
    for (String path : RootfsMounts.MASKED) {
      script.append("if [ -d ").append(path).append(" ]; then echo ").append(path)
          .append("=dir$(ls -A ").append(path).append(" | wc -l)")
          .append("; elif [ -e ").append(path).append(" ]; then echo ").append(path)
          .append("=file$(head -c 100 ").append(path).append(" | wc -c); fi\n");
    }
    Map<String, String> v = probe(script.toString());
    int masked = 0;
    for (String path : RootfsMounts.MASKED) {
      if (Files.isDirectory(Path.of(path))) {
        assertEquals("dir0", v.get(path), path);
        masked++;
      } else if (Files.exists(Path.of(path))) {
        assertEquals("file0", v.get(path), path);
        masked++;
      }
    }
    assertTrue(masked >= 3, "this host has /proc/kcore, /proc/keys, /sys/firmware at least: " + v);
  }
}
