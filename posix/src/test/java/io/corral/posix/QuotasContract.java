package io.corral.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What {@link Quotas} promises, asserted the same way against {@code FakeLinux}
 * ({@code FakeQuotasTest}) and the real kernel on loop-mounted XFS images
 * ({@code NativeQuotasIT}). The quota tests need a file system with project quota on; where the
 * kernel has none they are skipped by {@link #assumeProjectQuota()} with the kernel's answer.
 */
public abstract class QuotasContract {
  private static final AtomicInteger DIRS = new AtomicInteger();

  /** The facade under test. */
  protected abstract Quotas quotas();

  /** A fresh directory on XFS mounted without quota. */
  protected abstract Path plainXfsDirectory() throws IOException;

  /** The block device of {@link #plainXfsDirectory()}'s file system. */
  protected abstract Path plainXfsDevice();

  /** A fresh directory that is not on XFS. */
  protected abstract Path notXfsDirectory() throws IOException;

  /** Skips the calling test, with the reason, unless project quota is on for {@link #quotaXfsDevice()}. */
  protected abstract void assumeProjectQuota();

  /** A fresh directory on XFS mounted with {@code prjquota} (call after {@link #assumeProjectQuota()}). */
  protected abstract Path quotaXfsDirectory() throws IOException;

  /** The block device of {@link #quotaXfsDirectory()}'s file system. */
  protected abstract Path quotaXfsDevice();

  /** Writes {@code bytes} to a new file and syncs it, as the kernel charges a write; ENOSPC throws. */
  protected abstract void write(Path file, int bytes);

  /** A directory name no other test of this JVM uses. */
  protected static String unique(String prefix) {
    return prefix + "-" + ProcessHandle.current().pid() + "-" + DIRS.incrementAndGet();
  }

  @Test
  void aDirectoryTakesAProjectIdWithTheInheritFlag() throws IOException {
    Path dir = plainXfsDirectory();
    assertEquals(new Quotas.Project(0, false), quotas().project(dir));
    quotas().setProject(dir, 5001, true);
    assertEquals(new Quotas.Project(5001, true), quotas().project(dir));
  }

  @Test
  void filesAndDirectoriesCreatedLaterInheritTheId() throws IOException {
    Path dir = plainXfsDirectory();
    quotas().setProject(dir, 5002, true);
    Path file = Files.writeString(dir.resolve("file"), "x");
    Path sub = Files.createDirectory(dir.resolve("sub"));
    Path deeper = Files.writeString(Files.createDirectory(sub.resolve("deeper")).resolve("f"), "y");
    assertEquals(new Quotas.Project(5002, false), quotas().project(file));
    assertEquals(new Quotas.Project(5002, true), quotas().project(sub));
    assertEquals(5002, quotas().project(deeper).id());
  }

  @Test
  void theInheritFlagIsKeptForDirectoriesOnly() throws IOException {
    Path file = Files.writeString(plainXfsDirectory().resolve("file"), "x");
    quotas().setProject(file, 5003, true);
    assertEquals(new Quotas.Project(5003, false), quotas().project(file));
  }

  @Test
  void clearingGivesProjectZeroWithoutInherit() throws IOException {
    Path dir = plainXfsDirectory();
    quotas().setProject(dir, 5004, true);
    quotas().setProject(dir, 0, false);
    assertEquals(new Quotas.Project(0, false), quotas().project(dir));
  }

  @Test
  void aMissingPathIsEnoentNamingTheCallAndPath() throws IOException {
    Path missing = plainXfsDirectory().resolve("missing");
    LinuxException get = assertThrows(LinuxException.class, () -> quotas().project(missing));
    assertEquals(Errno.ENOENT, get.errno());
    assertEquals("open", get.syscall());
    assertTrue(get.getMessage().contains("'" + missing + "'"), get.getMessage());
    LinuxException set = assertThrows(LinuxException.class,
        () -> quotas().setProject(missing, 5005, true));
    assertEquals(Errno.ENOENT, set.errno());
  }

  @Test
  void aSymlinkIsNotFollowed() throws IOException {
    Path dir = plainXfsDirectory();
    Path link = Files.createSymbolicLink(dir.resolve("link"), dir);
    LinuxException e = assertThrows(LinuxException.class, () -> quotas().setProject(link, 5006, true));
    assertEquals(Errno.ELOOP, e.errno());
    assertEquals(new Quotas.Project(0, false), quotas().project(dir));
  }

  @Test
  void statfsTellsXfsFromOtherFileSystems() throws IOException {
    assertEquals(Quotas.XFS_SUPER_MAGIC, quotas().filesystemType(plainXfsDirectory()));
    assertNotEquals(Quotas.XFS_SUPER_MAGIC, quotas().filesystemType(notXfsDirectory()));
  }

  @Test
  void theMountOfADirectoryNamesTheDeviceAndItsOptions() throws IOException {
    Quotas.Mount mount = quotas().mountOf(plainXfsDirectory());
    assertEquals("xfs", mount.fsType());
    assertEquals(plainXfsDevice().toString(), mount.source());
    assertFalse(mount.projectQuotaOption(), mount.superOptions());
    assertNotEquals("xfs", quotas().mountOf(notXfsDirectory()).fsType());
  }

  @Test
  void withoutQuotaTheQuotaCallsFailOrReportItOff() {
    try {
      Quotas.QuotaState state = quotas().quotaState(plainXfsDevice());
      assertFalse(state.accounting(), state.toString());
    } catch (LinuxException e) {
      // A kernel without quota support has no quotactl operations for XFS at all.
      assertEquals("quotactl Q_XGETQSTAT", e.syscall());
      assertEquals(Errno.ENOSYS, e.errno(), e.getMessage());
    }
    LinuxException set = assertThrows(LinuxException.class,
        () -> quotas().setProjectLimit(plainXfsDevice(), 5007, 1 << 20, 1 << 20));
    assertEquals("quotactl Q_XSETQLIM", set.syscall());
    assertTrue(Set.of(Errno.ENOSYS, Errno.ESRCH).contains(set.errno()), set.getMessage());
    assertTrue(set.getMessage().contains("special='" + plainXfsDevice() + "'"), set.getMessage());
  }

  @Test
  void quotactlOnAMissingDeviceIsEnoent() {
    LinuxException e = assertThrows(LinuxException.class,
        () -> quotas().quotaState(Path.of("/dev/corral-no-such-device")));
    assertEquals(Errno.ENOENT, e.errno());
  }

  @Test
  void negativeLimitsAreRefusedBeforeTheKernel() {
    assertThrows(IllegalArgumentException.class,
        () -> quotas().setProjectLimit(plainXfsDevice(), 5008, -1, 0));
  }

  @Test
  void projectQuotaIsAccountedAndEnforced() throws IOException {
    assumeProjectQuota();
    Quotas.QuotaState state = quotas().quotaState(quotaXfsDevice());
    assertTrue(state.accounting() && state.enforcement(), state.toString());
    Path dir = quotaXfsDirectory();
    quotas().setProject(dir, 5101, true);
    quotas().setProjectLimit(quotaXfsDevice(), 5101, 1 << 20, 1 << 20);
    write(dir.resolve("small"), 256 << 10);
    Quotas.ProjectQuota quota = quotas().projectQuota(quotaXfsDevice(), 5101);
    assertEquals(1 << 20, quota.softLimitBytes());
    assertEquals(1 << 20, quota.hardLimitBytes());
    assertTrue(quota.usedBytes() >= 256 << 10, quota.toString());
    LinuxException full = assertThrows(LinuxException.class,
        () -> write(dir.resolve("big"), 2 << 20));
    // XFS fails a write past a project's limit with ENOSPC (EDQUOT is for user and group quota)
    assertEquals(Errno.ENOSPC, full.errno());
  }

  @Test
  void limitsAreRoundedUpToFileSystemBlocksAndZeroRemovesThem() throws IOException {
    assumeProjectQuota();
    // sent in 512-byte basic blocks; XFS keeps whole file system blocks (4 KiB by mkfs default)
    quotas().setProjectLimit(quotaXfsDevice(), 5102, 1000, 5000);
    Quotas.ProjectQuota quota = quotas().projectQuota(quotaXfsDevice(), 5102);
    assertEquals(4096, quota.softLimitBytes());
    assertEquals(8192, quota.hardLimitBytes());
    quotas().setProjectLimit(quotaXfsDevice(), 5102, 0, 0);
    try {
      Quotas.ProjectQuota cleared = quotas().projectQuota(quotaXfsDevice(), 5102);
      assertEquals(0, cleared.hardLimitBytes());
    } catch (LinuxException e) {
      // XFS drops a record with no limits and no usage.
      assertEquals(Errno.ENOENT, e.errno());
    }
  }
}
