package io.corral.images.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.images.registry.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes an archive in the layout of {@code docker save} (Docker 1.10 to 24): {@code manifest.json}
 * ({@code Config}, {@code RepoTags}, {@code Layers} as {@code <id>/layer.tar}), the legacy
 * {@code repositories} file pointing at the top layer's id, and for each layer a directory with
 * {@code VERSION}, {@code json} (with its {@code parent}) and {@code layer.tar} as a regular file.
 */
public final class DockerSaveArchive {
  private DockerSaveArchive() {}

  /**
   * Writes {@code layers} (uncompressed tars, bottom first; those in {@code gzipped} are stored
   * gzip-compressed) with the test images' runtime config. {@code repoTags} may be empty (an
   * image found through {@code repositories} only); {@code repository}/{@code tag} fill that file.
   */
  public static void write(Path archive, List<String> repoTags, String repository, String tag, List<byte[]> layers,
      List<Integer> gzipped) throws IOException {
    ObjectNode config = OciLayout.JSON.createObjectNode().put("architecture", "amd64").put("os", "linux");
    config.set("config", TestImages.runtimeConfig());
    ArrayNode diffIds = config.putObject("rootfs").put("type", "layers").putArray("diff_ids");
    layers.forEach(l -> diffIds.add(Digests.of(l)));
    byte[] configBytes = OciLayout.JSON.writeValueAsBytes(config);
    String configName = Digests.of(configBytes).substring(7) + ".json";
    try (OutputStream file = Files.newOutputStream(archive); TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      put(tar, configName, configBytes);
      List<String> layerNames = new ArrayList<>();
      String parent = null;
      for (int i = 0; i < layers.size(); i++) {
        String id = Digests.of((i + ":" + Digests.of(layers.get(i))).getBytes()).substring(7);
        ObjectNode json = OciLayout.JSON.createObjectNode().put("id", id);
        if (parent != null) {
          json.put("parent", parent);
        }
        put(tar, id + "/VERSION", "1.0".getBytes());
        put(tar, id + "/json", OciLayout.JSON.writeValueAsBytes(json));
        put(tar, id + "/layer.tar", gzipped.contains(i) ? OciLayout.gzip(layers.get(i)) : layers.get(i));
        layerNames.add(id + "/layer.tar");
        parent = id;
      }
      ObjectNode image = OciLayout.JSON.createObjectNode().put("Config", configName);
      repoTags.forEach(image.putArray("RepoTags")::add);
      layerNames.forEach(image.putArray("Layers")::add);
      put(tar, "manifest.json", OciLayout.JSON.writeValueAsBytes(OciLayout.JSON.createArrayNode().add(image)));
      ObjectNode repositories = OciLayout.JSON.createObjectNode();
      repositories.putObject(repository).put(tag, parent);
      put(tar, "repositories", OciLayout.JSON.writeValueAsBytes(repositories));
    }
  }

  /** Adds a symlink entry (for archives that try to point outside themselves). */
  public static void writeWithLink(Path archive, String name, String target, byte[] manifest) throws IOException {
    try (OutputStream file = Files.newOutputStream(archive); TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
      put(tar, "manifest.json", manifest);
      TarArchiveEntry link = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
      link.setLinkName(target);
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    }
  }

  private static void put(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(bytes.length);
    e.setModTime(new Date(0));
    tar.putArchiveEntry(e);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }
}
