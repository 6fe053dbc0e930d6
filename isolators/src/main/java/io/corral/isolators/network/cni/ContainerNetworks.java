package io.corral.isolators.network.cni;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.isolators.network.cni.CniCalls.Attachment;
import io.corral.posix.MountInfo;
import io.corral.proto.v1.NetworkInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * One container's CNI networks and their state on disk, in Mesos' layout under the root dir:
 * <pre>
 * &lt;root&gt;/&lt;id&gt;/ns                               bind mount of /proc/&lt;pid&gt;/ns/net
 * &lt;root&gt;/&lt;id&gt;/{hosts,hostname,resolv.conf}      bound read-only over the container's /etc files
 * &lt;root&gt;/&lt;id&gt;/&lt;network&gt;/network.conf           the configuration used (a list), for DEL
 * &lt;root&gt;/&lt;id&gt;/&lt;network&gt;/&lt;ifname&gt;/network.info  the ADD result
 * </pre>
 * Files are replaced atomically. Threading: one container's calls come one at a time (the
 * isolator contract); {@link #results} is concurrent for {@code status}.
 */
final class ContainerNetworks {
  private static final ObjectMapper JSON = new ObjectMapper();

  final String id;
  final Path dir;
  final List<Attachment> attachments;
  final Map<String, CniResult> results = new ConcurrentHashMap<>();

  ContainerNetworks(String id, Path dir, List<Attachment> attachments) {
    this.id = id;
    this.dir = dir;
    this.attachments = List.copyOf(attachments);
  }

  Path ns() {
    return dir.resolve("ns");
  }

  Path file(String name) {
    return dir.resolve(name);
  }

  Path networkDir(Attachment a) {
    return dir.resolve(a.network().name());
  }

  Path info(Attachment a) {
    return networkDir(a).resolve(a.ifName()).resolve("network.info");
  }

  /** Whether {@link #ns()} is a mount now (in the agent's mount table). */
  boolean nsMounted() {
    try {
      return MountInfo.read(MountInfo.SELF).stream().anyMatch(e -> e.mountPoint().equals(ns()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes every network's configuration (as a list) and creates the interface directories. */
  void checkpoint() throws IOException {
    for (Attachment a : attachments) {
      ObjectNode list = JSON.createObjectNode();
      list.put("name", a.network().name());
      list.put("cniVersion", a.network().cniVersion());
      list.putArray("plugins").addAll(a.network().plugins());
      Files.createDirectories(info(a).getParent());
      write(networkDir(a).resolve("network.conf"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(list));
    }
  }

  /** Records and checkpoints the ADD result of one network. */
  void added(Attachment a, CniResult result) throws IOException {
    results.put(a.network().name(), result);
    write(info(a), JSON.writeValueAsString(result.json()));
  }

  /**
   * The state of a container on disk: each network directory's checkpointed configuration,
   * interface and result; the NetworkInfo is the one {@code requested} by name, else one that
   * only names the network (an orphan whose request is unknown).
   */
  static ContainerNetworks load(String id, Path dir, List<NetworkInfo> requested, NetworkConfigs parser)
      throws IOException {
    List<Attachment> attachments = new ArrayList<>();
    Map<String, CniResult> results = new java.util.HashMap<>();
    try (Stream<Path> children = Files.list(dir)) {
      for (Path networkDir : children.filter(Files::isDirectory).sorted().toList()) {
        Path conf = networkDir.resolve("network.conf");
        Optional<Path> ifDir = interfaceDir(networkDir);
        if (!Files.isRegularFile(conf) || ifDir.isEmpty()) {
          continue;
        }
        NetworkConfigs.Network network = parser.parse(conf);
        String name = network.name();
        NetworkInfo info = requested.stream().filter(n -> n.getName().equals(name)).findFirst()
            .orElse(NetworkInfo.newBuilder().setName(name).build());
        Attachment a = new Attachment(id, network, ifDir.get().getFileName().toString(), info);
        attachments.add(a);
        Path result = ifDir.get().resolve("network.info");
        if (Files.isRegularFile(result)) {
          results.put(name, CniResult.parse(Files.readString(result)));
        }
      }
    }
    attachments.sort(java.util.Comparator.comparing(Attachment::ifName));
    ContainerNetworks loaded = new ContainerNetworks(id, dir, attachments);
    loaded.results.putAll(results);
    return loaded;
  }

  private static Optional<Path> interfaceDir(Path networkDir) throws IOException {
    try (Stream<Path> children = Files.list(networkDir)) {
      return children.filter(Files::isDirectory).filter(p -> p.getFileName().toString().startsWith("eth"))
          .findFirst();
    }
  }

  /** Replaces {@code file} atomically with {@code content}. */
  static void write(Path file, String content) throws IOException {
    Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(temp, content, StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
