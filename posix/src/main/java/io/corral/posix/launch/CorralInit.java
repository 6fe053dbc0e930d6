package io.corral.posix.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Installs the launch helper {@code corral-init}, carried in this jar, as an executable file:
 * {@code <dir>/<first 16 hex digits of its sha256>/corral-init}. The directory is per content,
 * so agents of different versions never overwrite each other's helper, and the file name stays
 * exactly {@code corral-init}, which is the init's {@code comm} in every container. Installation
 * is atomic (temp file, chmod 0755, rename) and done once per directory per JVM; any thread.
 */
public final class CorralInit {
  static final String RESOURCE = "corral-init";

  private static final ConcurrentMap<Path, Path> INSTALLED = new ConcurrentHashMap<>();

  private CorralInit() {}

  /**
   * Whether this jar carries {@code corral-init}: the build leaves it out where it cannot be
   * built (not Linux, or no C compiler), and then only the posix launcher can run containers.
   */
  public static boolean isBuilt() {
    return CorralInit.class.getResource(RESOURCE) != null;
  }

  /**
   * The installed helper under {@code dir} (the agent passes {@code <runtime_dir>/bin}).
   *
   * @throws UncheckedIOException when it cannot be written
   */
  public static Path install(Path dir) {
    return INSTALLED.computeIfAbsent(dir.toAbsolutePath().normalize(), CorralInit::extract);
  }

  private static Path extract(Path dir) {
    try {
      byte[] bytes;
      try (InputStream in = CorralInit.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("Failed to find corral-init on the classpath");
        }
        bytes = in.readAllBytes();
      }
      Path target = dir.resolve(sha256Prefix(bytes)).resolve("corral-init");
      if (Files.isRegularFile(target) && Files.isExecutable(target)
          && Files.size(target) == bytes.length) {
        return target;
      }
      Files.createDirectories(target.getParent());
      Path tmp = Files.createTempFile(target.getParent(), ".corral-init", ".tmp");
      try {
        Files.write(tmp, bytes);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to install corral-init in '" + dir + "'", e);
    }
  }

  private static String sha256Prefix(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
