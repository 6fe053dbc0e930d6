package io.corral.isolators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LauncherIsolationTest {

  @Test
  void thePosixLauncherRunsTheAccountingIsolators() {
    List<String> names = IsolationFlag.parse("posix/cpu,posix/mem,disk/du");
    assertEquals(List.of(), LauncherIsolation.needingLinux(names));
    LauncherIsolation.checkPosix(names);
    LauncherIsolation.checkPosix(IsolationFlag.parse(LauncherIsolation.POSIX_DEFAULT));
  }

  @Test
  void everyOtherImplementedIsolatorNeedsTheLinuxLauncher() {
    List<String> linuxOnly = IsolatorCatalog.names().stream().filter(n -> !LauncherIsolation.POSIX.contains(n)).toList();
    assertEquals(List.of("filesystem/shared", "filesystem/linux", "posix/rlimits", "cgroups/cpu", "cgroups/mem",
        "cgroups/pids", "cgroups/net_cls", "docker/runtime", "volume/host_path", "volume/sandbox_path",
        "docker/volume", "linux/capabilities", "linux/nnp", "namespaces/ipc", "namespaces/pid", "disk/xfs",
        "network/cni"),
        linuxOnly);
    assertEquals(IsolatorCatalog.ENTRIES.size(), linuxOnly.size() + LauncherIsolation.POSIX.size());
  }

  @Test
  void refusesByNameAtStart() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LauncherIsolation.checkPosix(IsolationFlag.parse(IsolationFlag.ROOT_DEFAULT)));
    assertEquals("Failed to create isolators 'posix/rlimits', 'cgroups/cpu', 'cgroups/mem', 'cgroups/pids',"
        + " 'linux/capabilities', 'namespaces/ipc', 'namespaces/pid': the 'linux' launcher must be used to"
        + " enable them (the launcher is 'posix'; it can run filesystem/posix, posix/cpu, posix/mem, disk/du)",
        e.getMessage());
    IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
        () -> LauncherIsolation.checkPosix(List.of("filesystem/posix", "disk/xfs")));
    assertEquals("Failed to create isolator 'disk/xfs': the 'linux' launcher must be used to enable it"
        + " (the launcher is 'posix'; it can run filesystem/posix, posix/cpu, posix/mem, disk/du)", one.getMessage());
  }
}
