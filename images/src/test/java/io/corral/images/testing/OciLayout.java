package io.corral.images.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.images.registry.Digests;
import io.corral.images.registry.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Writes an OCI image layout directory ({@code oci-layout}, {@code index.json},
 * {@code blobs/sha256/<hex>}) that skopeo reads as {@code oci:DIR:TAG}: the Java form of the
 * reference's shell script. Layers are gzip-compressed; configs carry the runtime parameters.
 */
public final class OciLayout {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One image manifest written to the layout. */
  public record Image(String manifestDigest, long manifestSize, String configDigest, List<String> diffIds,
      List<String> layerDigests, String architecture) {}

  private final Path dir;
  private final ArrayNode tagged = JSON.createArrayNode();

  public OciLayout(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
  }

  public Path dir() {
    return dir;
  }

  /** Writes a blob and returns its digest. */
  public String blob(byte[] bytes) throws IOException {
    String digest = Digests.of(bytes);
    Files.write(dir.resolve("blobs/sha256").resolve(digest.substring(7)), bytes);
    return digest;
  }

  /** Writes the layers (uncompressed tars, bottom first), a config and a manifest. */
  public Image image(List<byte[]> layers, ObjectNode runtimeConfig, String architecture) throws IOException {
    List<String> diffIds = new ArrayList<>();
    ArrayNode layerDescriptors = JSON.createArrayNode();
    List<String> layerDigests = new ArrayList<>();
    for (byte[] tar : layers) {
      diffIds.add(Digests.of(tar));
      byte[] gz = gzip(tar);
      String digest = blob(gz);
      layerDigests.add(digest);
      layerDescriptors.add(descriptor(MediaTypes.OCI_LAYER_GZIP, digest, gz.length));
    }
    ObjectNode config = JSON.createObjectNode()
        .put("architecture", architecture).put("os", "linux").put("created", "1970-01-01T00:00:00Z");
    config.set("config", runtimeConfig);
    ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
    diffIds.forEach(rootfs.putArray("diff_ids")::add);
    byte[] configBytes = JSON.writeValueAsBytes(config);
    String configDigest = blob(configBytes);
    ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_MANIFEST);
    manifest.set("config", descriptor(MediaTypes.OCI_CONFIG, configDigest, configBytes.length));
    manifest.set("layers", layerDescriptors);
    byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
    String manifestDigest = blob(manifestBytes);
    return new Image(manifestDigest, manifestBytes.length, configDigest, diffIds, layerDigests, architecture);
  }

  /** Writes an OCI index of {@code images}, each with its architecture, and returns its digest. */
  public String index(List<Image> images) throws IOException {
    ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    for (Image image : images) {
      ObjectNode d = descriptor(MediaTypes.OCI_MANIFEST, image.manifestDigest(), image.manifestSize());
      ObjectNode platform = d.putObject("platform").put("architecture", image.architecture()).put("os", "linux");
      if (image.architecture().equals("arm64")) {
        platform.put("variant", "v8");
      }
      manifests.add(d);
    }
    byte[] bytes = JSON.writeValueAsBytes(index);
    String digest = blob(bytes);
    tagged.add(descriptor(MediaTypes.OCI_INDEX, digest, bytes.length));
    return digest;
  }

  /** Names the last image or index written {@code tag} in {@code index.json}. */
  public OciLayout tag(Image image, String tag) throws IOException {
    ObjectNode d = descriptor(MediaTypes.OCI_MANIFEST, image.manifestDigest(), image.manifestSize());
    d.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
    tagged.add(d);
    return write();
  }

  /** Names the index just written by {@link #index} {@code tag}. */
  public OciLayout tagIndex(String tag) throws IOException {
    ObjectNode last = (ObjectNode) tagged.get(tagged.size() - 1);
    last.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
    return write();
  }

  private OciLayout write() throws IOException {
    ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
    ArrayNode named = index.putArray("manifests");
    tagged.forEach(d -> {
      if (d.has("annotations")) {
        named.add(d);
      }
    });
    Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
    return this;
  }

  static ObjectNode descriptor(String mediaType, String digest, long size) {
    return JSON.createObjectNode().put("mediaType", mediaType).put("digest", digest).put("size", size);
  }

  static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }
}
