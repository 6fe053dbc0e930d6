package io.corral.images.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;

/**
 * The store's files under {@code --docker_store_dir}; all on one file system, so that every
 * rename below is atomic:
 *
 * <pre>
 * &lt;store&gt;/                  0700, the agent's (root) only
 * ├── index.pb               ImageStoreIndex: name → manifest digest, config, diff_ids
 * ├── layers/&lt;diffid-hex&gt;/
 * │   └── rootfs/            one unpacked layer, shared by every image that has it
 * └── tmp/                   downloads and unpacks under way; emptied by recover()
 * </pre>
 */
final class StoreLayout {
  private final Path root;

  StoreLayout(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  Path root() {
    return root;
  }

  Path index() {
    return root.resolve("index.pb");
  }

  Path layers() {
    return root.resolve("layers");
  }

  Path layer(String diffHex) {
    return layers().resolve(diffHex);
  }

  Path rootfs(String diffHex) {
    return layer(diffHex).resolve("rootfs");
  }

  Path tmp() {
    return root.resolve("tmp");
  }

  /** A fresh name in {@code tmp/}; nothing is created. */
  Path tmpPath(String prefix) {
    return tmp().resolve(prefix + "-" + UUID.randomUUID());
  }

  /** Creates the store's directories; the root is made 0700 whatever the umask. */
  void create() throws IOException {
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    Files.createDirectories(layers());
    Files.createDirectories(tmp());
  }
}
