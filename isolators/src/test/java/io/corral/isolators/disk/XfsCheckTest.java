package io.corral.isolators.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorRegistry;
import io.corral.posix.Errno;
import io.corral.posix.testing.FakeLinux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start check of disk/xfs, through the registry as the agent creates it, on FakeLinux. */
class XfsCheckTest {
  private static final Path DEVICE = Path.of("/dev/loop78");

  @TempDir Path work;

  private static IsolatorRegistry.Options options(Path work) {
    return IsolatorRegistry.Options.defaults().withXfs(XfsConfig.defaults().withWorkDir(work));
  }

  private String refusal(FakeLinux fake) {
    return assertThrows(IllegalArgumentException.class, () -> IsolatorRegistry.create(
        List.of("filesystem/posix", "disk/xfs"), fake.linux(), options(work))).getMessage();
  }

  @Test
  void anXfsWorkDirWithProjectQuotaIsAccepted() {
    FakeLinux fake = new FakeLinux().xfs(work, DEVICE, "rw,prjquota");
    List<Isolator> isolators = IsolatorRegistry.create(List.of("filesystem/posix", "disk/xfs"),
        fake.linux(), options(work.resolve("not-yet-made")));
    assertEquals("disk/xfs", isolators.get(1).name());
  }

  @Test
  void aWorkDirNotOnXfsIsRefusedWithWhatToDo() {
    String message = refusal(new FakeLinux());
    assertEquals("Failed to create isolator 'disk/xfs': '" + work + "' is not an XFS filesystem"
        + " (statfs f_type 0xef53, XFS is 0x58465342); put --work_dir on an XFS file system mounted"
        + " with project quota (mount -o prjquota), or remove disk/xfs from --isolation", message);
  }

  @Test
  void xfsWithoutPrjquotaIsRefusedWithTheKernelsAnswer() {
    String message = refusal(new FakeLinux().xfs(work, DEVICE, "rw,noquota"));
    assertTrue(message.startsWith("Failed to create isolator 'disk/xfs': XFS project quotas are"
        + " not enabled on '" + work + "': '/dev/loop78' is mounted on '" + work + "' with"
        + " 'rw,noquota', without prjquota; quotactl Q_XGETQSTAT on '/dev/loop78' reports project"
        + " quota accounting off. Mount it with -o prjquota"), message);
  }

  @Test
  void aKernelWithoutQuotaSupportIsNamedInTheRefusal() {
    String message = refusal(new FakeLinux().xfs(work, DEVICE, "rw,noquota")
        .quotaUnsupported(DEVICE, Errno.ENOSYS));
    assertTrue(message.contains("the kernel answers quotactl Q_XGETQSTAT special='/dev/loop78'"
        + " type=PRJQUOTA id=0: ENOSYS (Function not implemented)"), message);
    assertTrue(message.contains("CONFIG_XFS_QUOTA"), message);
  }

  @Test
  void anUnreadableFileSystemIsRefusedNamingTheCall() {
    FakeLinux fake = new FakeLinux().xfs(work, DEVICE, "rw,prjquota");
    fake.failNext("statfs", Errno.EIO);
    assertEquals("Failed to create isolator 'disk/xfs': cannot inspect the file system of '" + work
        + "': statfs path='" + work + "': EIO (Input/output error)", refusal(fake));
  }

  @Test
  void duTogetherWithXfsIsAllowedButWarnedAbout() {
    assertEquals(1, IsolatorRegistry.warnings(List.of("disk/du", "disk/xfs")).size());
    assertTrue(IsolatorRegistry.warnings(List.of("disk/du", "disk/xfs")).get(0)
        .startsWith("Both disk/du and disk/xfs are enabled"));
    assertEquals(List.of(), IsolatorRegistry.warnings(List.of("disk/xfs")));
  }

  @Test
  void withoutAWorkDirTheIsolatorCannotBeCreated() {
    FakeLinux fake = new FakeLinux();
    assertThrows(IllegalArgumentException.class, () -> IsolatorRegistry.create(
        List.of("disk/xfs"), fake.linux()));
    assertTrue(Files.isDirectory(work));
  }
}
