package io.corral.posix.launch;

import io.corral.posix.LinuxException;
import io.corral.posix.PrivateDirectory;
import io.corral.posix.Processes;
import io.corral.posix.nativeimpl.NativeProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provides the launch helper {@code corral-init}, carried in this jar, as something the launcher
 * can execute, such that no file a container could write is ever executed as root.
 *
 * <p>The helper runs from a sealed in-memory copy ({@link Processes#sealedCopy}), made once per
 * JVM and shared by every launcher: {@link #install} returns {@code /proc/self/fd/<fd>}, which
 * names this JVM's descriptor in whichever of its processes resolves it (the spawned child
 * does, before exec closes the descriptor). The copy is on no file system, and its seals refuse
 * any write, resize or change of its execute bits, through {@code /proc/<agent>/fd} too.
 *
 * <p>Only where the kernel refuses an executable memfd (before Linux 3.17, or
 * {@code vm.memfd_noexec=2}) is the helper written to {@code <dir>/<first 16 hex digits of its
 * sha256>/corral-init}, in {@link PrivateDirectory private directories} (0700, owned by this
 * user), with mode 0500; an existing copy is used only when its SHA-256 digest is the jar's,
 * otherwise it is replaced atomically. That fallback is logged at WARN, because the owner of the
 * directory (root, for a root agent) can still rewrite the file between launches.
 *
 * <p>The helper names itself {@code corral-init} (its {@code comm}) as it starts, whatever path
 * it was executed by. Thread-safe: the first call makes the copy, later calls return it.
 */
public final class CorralInit {
  static final String RESOURCE = "corral-init";
  static final String NAME = "corral-init";
  private static final Logger LOG = LoggerFactory.getLogger(CorralInit.class);
  private static final CorralInit DEFAULT = new CorralInit(NativeProcesses::create);

  private final Supplier<Processes> processes;
  private final ConcurrentMap<Path, Path> installed = new ConcurrentHashMap<>();
  /** Guarded by this: the sealed copy's path once made, or why the kernel refused it. */
  private Path sealed;
  private LinuxException refused;

  CorralInit(Supplier<Processes> processes) {
    this.processes = processes;
  }

  /**
   * Whether this jar carries {@code corral-init}: the build leaves it out where it cannot be
   * built (not Linux, or no C compiler), and then only the posix launcher can run containers.
   */
  public static boolean isBuilt() {
    return CorralInit.class.getResource(RESOURCE) != null;
  }

  /**
   * The path to execute the helper by: its sealed in-memory copy, or (where the kernel has none)
   * its verified copy under {@code dir} (the agent passes {@code --launcher_dir}).
   *
   * @throws UncheckedIOException when neither can be made
   */
  public static Path install(Path dir) {
    return DEFAULT.path(dir);
  }

  Path path(Path dir) {
    Path memory = sealedCopy();
    return memory != null ? memory
        : installed.computeIfAbsent(dir.toAbsolutePath().normalize(), this::extract);
  }

  private synchronized Path sealedCopy() {
    if (sealed == null && refused == null) {
      try {
        int fd = processes.get().sealedCopy(NAME, bytes());
        sealed = Path.of("/proc/self/fd/" + fd);
      } catch (LinuxException e) {
        refused = e;
        LOG.warn("Running corral-init from a file, which its directory's owner can rewrite: the kernel"
            + " refused a sealed in-memory copy: {}", e.getMessage());
      }
    }
    return sealed;
  }

  private Path extract(Path dir) {
    try {
      byte[] bytes = bytes();
      byte[] digest = sha256(bytes);
      int uid = processes.get().geteuid();
      Path parent = PrivateDirectory.ensure(
          PrivateDirectory.ensure(dir, uid).resolve(HexFormat.of().formatHex(digest, 0, 8)), uid);
      Path target = parent.resolve(NAME);
      if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
          && Arrays.equals(digest, sha256(Files.readAllBytes(target)))) {
        return target;
      }
      Path tmp = Files.createTempFile(parent, ".corral-init", ".tmp");
      try {
        Files.write(tmp, bytes);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-x------"));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to install corral-init in '" + dir + "'", e);
    }
  }

  /** The helper's bytes, as built into this jar. */
  static byte[] bytes() {
    try (InputStream in = CorralInit.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("Failed to find corral-init on the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to read corral-init from the classpath", e);
    }
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
