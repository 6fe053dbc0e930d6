package io.corral.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials file a root agent makes for itself when authentication is on and no
 * {@code --http_credentials} is given: {@code <work_dir>/credentials}, one principal
 * {@value #PRINCIPAL} with a random 256-bit secret, mode 0600, owned by the agent's user. An
 * existing file is used as it is, never overwritten, but only if that user owns it and no one
 * else may read or write it. Its path is logged, its secret never. Runs once on the main thread.
 */
final class DefaultCredentials {
  static final String FILE = "credentials";
  static final String PRINCIPAL = "corral";
  private static final Logger LOG = LoggerFactory.getLogger(DefaultCredentials.class);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private DefaultCredentials() {}

  /**
   * The path of {@code <workDir>/credentials}, created if missing.
   *
   * @throws StartupException when it cannot be created, or exists with another owner or with
   *     access for others
   */
  static Path ensure(Path workDir) {
    Path file = workDir.resolve(FILE);
    try {
      Files.createDirectories(workDir);
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        create(file);
      }
      check(file);
      return file;
    } catch (IOException e) {
      throw new StartupException("Failed to create credentials file '" + file + "': "
          + Directories.describe(e), e);
    }
  }

  private static void create(Path file) throws IOException {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    String json = "{\"credentials\":[{\"principal\":\"" + PRINCIPAL + "\",\"secret\":\""
        + Base64.getUrlEncoder().withoutPadding().encodeToString(secret) + "\"}]}\n";
    Path temp = file.resolveSibling(FILE + ".tmp-" + ProcessHandle.current().pid());
    Files.deleteIfExists(temp);
    Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try {
      Files.writeString(temp, json, StandardCharsets.UTF_8);
      try (var channel = java.nio.channels.FileChannel.open(temp,
          java.nio.file.StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.createLink(file, temp); // never replaces a file another agent made meanwhile
      LOG.info("Created credentials file '{}' with principal '{}'", file, PRINCIPAL);
    } catch (FileAlreadyExistsException e) {
      LOG.info("Credentials file '{}' appeared meanwhile; using it", file);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void check(Path file) throws IOException {
    PosixFileAttributes attributes = Files.getFileAttributeView(
        file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
    String me = System.getProperty("user.name");
    if (!attributes.isRegularFile()) {
      throw new StartupException("Failed to use credentials file '" + file
          + "': not a regular file");
    }
    if (!attributes.owner().getName().equals(me)) {
      throw new StartupException("Failed to use credentials file '" + file + "': owned by '"
          + attributes.owner().getName() + "', not '" + me + "'");
    }
    if (!OWNER_ONLY.containsAll(attributes.permissions())) {
      throw new StartupException("Failed to use credentials file '" + file + "': mode "
          + PosixFilePermissions.toString(attributes.permissions())
          + " lets others in; it must be rw------- (chmod 600)");
    }
    LOG.info("Using credentials file '{}'", file);
  }
}
