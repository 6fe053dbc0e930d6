package io.corral.isolators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every parse rule of {@code --isolation} and its messages. */
class IsolationFlagTest {

  private static String error(String flag) {
    return assertThrows(IllegalArgumentException.class, () -> IsolationFlag.parse(flag)).getMessage();
  }

  @Test
  void resultIsInTheFixedTableOrderNotFlagOrder() {
    assertEquals(List.of("filesystem/posix", "posix/cpu", "posix/mem", "namespaces/pid"),
        IsolationFlag.parse("namespaces/pid,posix/mem,filesystem/posix,posix/cpu"));
    assertEquals(List.of("filesystem/posix", "posix/mem", "posix/rlimits", "cgroups/cpu",
            "cgroups/mem", "cgroups/pids", "cgroups/net_cls", "linux/capabilities",
            "namespaces/ipc", "namespaces/pid", "disk/du", "disk/xfs"),
        IsolationFlag.parse("disk/xfs,disk/du,namespaces/pid,namespaces/ipc,linux/capabilities,"
            + "cgroups/net_cls,cgroups/pids,cgroups/mem,cgroups/cpu,posix/rlimits,posix/mem"));
  }

  @Test
  void entriesAreTrimmedAndEmptyOnesDropped() {
    assertEquals(List.of("filesystem/posix", "posix/cpu", "posix/mem"),
        IsolationFlag.parse(" posix/cpu , ,posix/mem,"));
  }

  @Test
  void filesystemPosixIsAddedWhenNoFilesystemIsolatorIsNamed() {
    assertEquals(List.of("filesystem/posix", "posix/cpu"), IsolationFlag.parse("posix/cpu"));
    assertEquals(List.of("filesystem/posix"), IsolationFlag.parse(""));
    assertEquals(List.of("filesystem/shared", "posix/cpu"),
        IsolationFlag.parse("posix/cpu,filesystem/shared"));
  }

  @Test
  void twoFilesystemIsolatorsAreRefused() {
    assertEquals("Using multiple filesystem isolators simultaneously is disallowed",
        error("filesystem/posix,filesystem/shared"));
  }

  @Test
  void duplicatesAreRefused() {
    assertEquals("Duplicate entries found in --isolation flag 'posix/cpu,posix/mem,posix/cpu'",
        error("posix/cpu,posix/mem,posix/cpu"));
    assertEquals("Duplicate entries found in --isolation flag 'posix/cpu, posix/cpu'",
        error("posix/cpu, posix/cpu"));
  }

  @Test
  void unknownNamesAreRefused() {
    assertEquals("Unknown or unsupported isolator 'posix/gpu'", error("posix/cpu,posix/gpu"));
    // The pre-1.0 name has no alias, as in Mesos.
    assertEquals("Unknown or unsupported isolator 'xfs/disk'", error("xfs/disk"));
  }

  @Test
  void deprecatedAliasesAreRewritten() {
    assertEquals(List.of("filesystem/posix", "posix/cpu", "posix/mem"), IsolationFlag.parse("process"));
    assertEquals(List.of("filesystem/posix", "cgroups/cpu", "cgroups/mem"),
        IsolationFlag.parse("cgroups"));
    assertEquals(List.of("filesystem/posix", "disk/du"), IsolationFlag.parse("posix/disk"));
    // An alias overlapping an explicit name is not a duplicate (Mesos keeps a set).
    assertEquals(List.of("filesystem/posix", "posix/cpu", "posix/mem"),
        IsolationFlag.parse("process,posix/cpu"));
  }

  @Test
  void hostDefaults() {
    assertEquals(List.of("filesystem/posix", "posix/rlimits", "cgroups/cpu", "cgroups/mem",
        "cgroups/pids", "linux/capabilities", "namespaces/ipc", "namespaces/pid"),
        IsolationFlag.parse(IsolationFlag.hostDefault(true)));
    assertEquals(IsolationFlag.hostDefault(true),
        String.join(",", IsolationFlag.parse(IsolationFlag.hostDefault(true))), "in the fixed order");
    assertEquals("posix/cpu,posix/mem", IsolationFlag.hostDefault(false));
    assertEquals(List.of("filesystem/posix", "posix/cpu", "posix/mem"),
        IsolationFlag.parse(IsolationFlag.hostDefault(false)));
  }

  @Test
  void everyRootDefaultIsolatorIsInTheCatalog() {
    assertTrue(IsolatorCatalog.names().containsAll(
        IsolationFlag.parse(IsolationFlag.hostDefault(true))));
  }

  @Test
  void linuxNnpSitsAfterLinuxCapabilitiesAsInMesos() {
    assertEquals(List.of("filesystem/posix", "linux/capabilities", "linux/nnp", "namespaces/ipc"),
        IsolationFlag.parse("namespaces/ipc,linux/nnp,linux/capabilities"));
  }
}
