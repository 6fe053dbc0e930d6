package io.corral.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.testing.FakeLinux;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link QuotasContract} against {@link FakeLinux}, plus the fake's scripted faults. */
class FakeQuotasTest extends QuotasContract {
  private static final Path PLAIN_DEVICE = Path.of("/dev/loop90");
  private static final Path QUOTA_DEVICE = Path.of("/dev/loop91");

  @TempDir Path tmp;
  private FakeLinux fake;
  private Path plain;
  private Path quota;

  @BeforeEach
  void declareFileSystems() throws IOException {
    plain = Files.createDirectory(tmp.resolve("plain"));
    quota = Files.createDirectory(tmp.resolve("quota"));
    fake = new FakeLinux()
        .xfs(plain, PLAIN_DEVICE, "rw,relatime,attr2,inode64,noquota")
        .xfs(quota, QUOTA_DEVICE, "rw,relatime,attr2,inode64,prjquota");
  }

  @Override
  protected Quotas quotas() {
    return fake.linux().quotas();
  }

  @Override
  protected Path plainXfsDirectory() throws IOException {
    return Files.createDirectory(plain.resolve(unique("d")));
  }

  @Override
  protected Path plainXfsDevice() {
    return PLAIN_DEVICE;
  }

  @Override
  protected Path notXfsDirectory() throws IOException {
    return Files.createDirectory(tmp.resolve(unique("other")));
  }

  @Override
  protected void assumeProjectQuota() {}

  @Override
  protected Path quotaXfsDirectory() throws IOException {
    return Files.createDirectory(quota.resolve(unique("d")));
  }

  @Override
  protected Path quotaXfsDevice() {
    return QUOTA_DEVICE;
  }

  @Override
  protected void write(Path file, int bytes) {
    fake.charge(file, bytes);
  }

  @Test
  void scriptedErrnoFailsTheNextCallOnceAndIsRecorded() throws IOException {
    Path dir = plainXfsDirectory();
    fake.failNext("ioctl FS_IOC_FSSETXATTR", Errno.EPERM);
    LinuxException e = assertThrows(LinuxException.class, () -> quotas().setProject(dir, 5001, true));
    assertEquals("ioctl FS_IOC_FSSETXATTR path='" + dir + "' projid=5001 xflags=PROJINHERIT: EPERM"
        + " (Operation not permitted)", e.getMessage());
    quotas().setProject(dir, 5001, true);
    assertEquals(2, fake.calls().stream().filter(c -> c.startsWith("ioctl FS_IOC_FSSETXATTR")).count());
  }

  @Test
  void aKernelWithoutQuotaAnswersEnosysToEveryQuotactl() {
    fake.quotaUnsupported(QUOTA_DEVICE, Errno.ENOSYS);
    LinuxException e = assertThrows(LinuxException.class, () -> quotas().quotaState(QUOTA_DEVICE));
    assertEquals(Errno.ENOSYS, e.errno());
    assertTrue(e.getMessage().startsWith("quotactl Q_XGETQSTAT special='/dev/loop91'"), e.getMessage());
  }
}
