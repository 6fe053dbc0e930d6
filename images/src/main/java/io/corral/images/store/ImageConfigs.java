package io.corral.images.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.images.registry.Digests;
import io.corral.images.registry.RegistryException;
import io.corral.proto.v1.ImageConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Docker or OCI image config: the runtime parameters the {@code docker/runtime} isolator
 * uses ({@code Entrypoint}, {@code Cmd}, {@code Env}, {@code WorkingDir}, {@code User}) and the
 * layers' {@code rootfs.diff_ids}, which tie the layer blobs to the config.
 */
final class ImageConfigs {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A parsed config: the proto the actors get, and the diff_ids, bottom layer first. */
  record Parsed(ImageConfig config, List<String> diffIds) {}

  private ImageConfigs() {}

  static Parsed parse(byte[] bytes) throws RegistryException {
    JsonNode json;
    try {
      json = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new RegistryException("malformed image config: " + e.getMessage(), e);
    }
    if (json == null || !json.isObject()) {
      throw new RegistryException("image config is not a JSON object");
    }
    JsonNode rootfs = json.path("rootfs");
    if (!"layers".equals(rootfs.path("type").asText())) {
      throw new RegistryException("image config has no rootfs of type 'layers'");
    }
    List<String> diffIds = new ArrayList<>();
    for (JsonNode d : rootfs.path("diff_ids")) {
      if (!Digests.isSha256(d.asText())) {
        throw new RegistryException("malformed diff_id '" + d.asText() + "' in the image config");
      }
      diffIds.add(d.asText());
    }
    return new Parsed(runtime(json.path("config")), diffIds);
  }

  private static ImageConfig runtime(JsonNode c) {
    ImageConfig.Builder b = ImageConfig.newBuilder();
    c.path("Entrypoint").forEach(v -> b.addEntrypoint(v.asText()));
    c.path("Cmd").forEach(v -> b.addCmd(v.asText()));
    c.path("Env").forEach(v -> b.addEnv(v.asText()));
    if (!c.path("WorkingDir").asText("").isEmpty()) {
      b.setWorkingDir(c.get("WorkingDir").asText());
    }
    if (!c.path("User").asText("").isEmpty()) {
      b.setUser(c.get("User").asText());
    }
    return b.build();
  }
}
