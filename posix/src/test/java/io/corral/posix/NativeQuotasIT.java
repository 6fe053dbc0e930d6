package io.corral.posix;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.posix.nativeimpl.IoErrors;
import io.corral.posix.testing.ScratchXfs;
import io.corral.posix.testing.TestDirectories;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * {@link QuotasContract} against the real kernel: two XFS images made by the test on loop
 * devices, one mounted without quota and one with {@code prjquota}. Where the kernel refuses
 * {@code prjquota} (built without XFS quota) the quota tests are skipped with the kernel's
 * answers: mount's refusal and {@code quotactl Q_XGETQSTAT}'s errno. Root only.
 */
@Tag("root")
class NativeQuotasIT extends QuotasContract {
  private static Quotas quotas;
  private static ScratchXfs plain;
  private static ScratchXfs withQuota;
  private static String noQuotaReason;

  @BeforeAll
  static void mountScratchXfs() throws IOException {
    assumeTrue(Linux.nativeDefault().processes().geteuid() == 0,
        "needs root: makes loop devices and mounts XFS");
    quotas = Linux.nativeDefault().quotas();
    plain = ScratchXfs.mount("native-quotas", false);
    withQuota = ScratchXfs.mount("native-quotas", true);
    noQuotaReason = withQuota.missingQuota(quotas);
  }

  @AfterAll
  static void unmount() {
    try {
      if (plain != null) {
        plain.close();
      }
    } finally {
      if (withQuota != null) {
        withQuota.close();
      }
    }
  }


  @Override
  protected Quotas quotas() {
    return quotas;
  }

  @Override
  protected Path plainXfsDirectory() throws IOException {
    return Files.createDirectory(plain.mountPoint().resolve(unique("d")));
  }

  @Override
  protected Path plainXfsDevice() {
    return plain.device();
  }

  @Override
  protected Path notXfsDirectory() throws IOException {
    return TestDirectories.notUnderTmp("native-quotas", "other");
  }

  @Override
  protected void assumeProjectQuota() {
    assumeTrue(noQuotaReason == null, noQuotaReason);
  }

  @Override
  protected Path quotaXfsDirectory() throws IOException {
    return Files.createDirectory(withQuota.mountPoint().resolve(unique("d")));
  }

  @Override
  protected Path quotaXfsDevice() {
    return withQuota.device();
  }

  @Override
  protected void write(Path file, int bytes) {
    try (FileOutputStream out = new FileOutputStream(file.toFile())) {
      out.write(new byte[bytes]);
      out.getFD().sync();
    } catch (IOException e) {
      throw IoErrors.toLinux("write", file, e);
    }
  }
}
