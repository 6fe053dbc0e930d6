package io.corral.isolators.network.cni;

import io.corral.isolators.Confined;
import io.corral.isolators.filesystem.MountTable;
import io.corral.isolators.filesystem.Mounts;
import io.corral.isolators.network.cni.CniCalls.Attachment;
import io.corral.proto.v1.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A container's {@code /etc/hosts}, {@code /etc/hostname} and {@code /etc/resolv.conf}, as Mesos
 * makes them: on a CNI network, files of its own under the root dir (hosts: localhost and the
 * first IPv4 address with the hostname; resolv.conf: the first network's DNS from its plugins
 * that has nameservers, else {@code --default_container_dns} for the first network that has an
 * entry, else a copy of the host's); on the host network in an image, the host's own files. In
 * both cases bound read-only (MESOS-7268), inside the container's mount namespace only: the
 * targets are the host's {@code /etc} files for a container on the host's root filesystem (never
 * created: a file the host lacks is not bound), or inside the image's rootfs (created there; the
 * image's own symlinks may not lead them out). Pure except {@link #write}, which writes files.
 */
final class NetworkFiles {
  static final List<String> FILES = List.of("hosts", "hostname", "resolv.conf");
  private static final Path HOST_ETC = Path.of("/etc");

  private NetworkFiles() {}

  /**
   * The read-only binds of {@code sources} (a directory with the three files, or the host's
   * {@code /etc}) over the container's files; {@code rootfs} empty for the host's root.
   */
  static List<Mount> mounts(Path sources, Optional<String> rootfs) {
    List<Mount> mounts = new ArrayList<>();
    for (String name : FILES) {
      Path source = sources.resolve(name);
      String target;
      if (rootfs.isPresent()) {
        target = rootfs.get() + "/etc/" + name;
        Confined.check(Path.of(target), Path.of(rootfs.get()), "the rootfs", "/etc/" + name);
      } else {
        target = HOST_ETC.resolve(name).toString();
        if (!Files.exists(Path.of(target))) {
          continue;
        }
      }
      if (sources.equals(HOST_ETC) && !Files.exists(source)) {
        continue;
      }
      mounts.add(Mount.newBuilder().setSource(source.toString()).setTarget(target)
          .setFlags(Mounts.MS_BIND).setCreateTarget(rootfs.isPresent()).build());
      mounts.add(Mounts.readOnly(target, MountTable.SELF.lockedFlags(source)));
    }
    return mounts;
  }

  /** Writes the three files of a container on CNI networks. */
  static void write(ContainerNetworks c, String hostname, ContainerDns dns) throws IOException {
    StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n");
    c.attachments.stream().map(a -> c.results.get(a.network().name())).filter(r -> r != null)
        .flatMap(r -> r.firstIpv4().stream()).findFirst()
        .ifPresent(ip -> hosts.append(ip).append(' ').append(hostname).append('\n'));
    ContainerNetworks.write(c.file("hosts"), hosts.toString());
    ContainerNetworks.write(c.file("hostname"), hostname + "\n");
    ContainerNetworks.write(c.file("resolv.conf"), resolvConf(c, dns));
  }

  static String resolvConf(ContainerNetworks c, ContainerDns dns) throws IOException {
    for (Attachment a : c.attachments) {
      CniResult result = c.results.get(a.network().name());
      if (result != null && !result.dns().nameservers().isEmpty()) {
        return result.dns().resolvConf();
      }
    }
    for (Attachment a : c.attachments) {
      Optional<Dns> configured = dns.forNetwork(a.network().name());
      if (configured.isPresent()) {
        return configured.get().resolvConf();
      }
    }
    Path host = HOST_ETC.resolve("resolv.conf");
    return Files.exists(host) ? Files.readString(host) : "";
  }
}
