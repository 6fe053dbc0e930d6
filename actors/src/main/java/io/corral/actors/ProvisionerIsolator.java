package io.corral.actors;

import io.corral.images.Provisioner;
import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.proto.v1.ContainerID;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The provisioner's part of a container's cleanup and recovery, run as the first isolator of an
 * agent with images (so its cleanup comes last, once nothing uses the root filesystem any more):
 * {@code cleanup} removes the container's root filesystem, {@code recover} keeps those of the
 * recovered containers and removes every other. It prepares nothing: the root filesystem was made
 * in PROVISIONING, before any isolator prepares.
 */
final class ProvisionerIsolator implements Isolator {
  static final String NAME = "images/provisioner";

  private final Provisioner provisioner;

  ProvisionerIsolator(Provisioner provisioner) {
    this.provisioner = provisioner;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void recover(List<ContainerContext> recovered) {
    Set<ContainerID> live = recovered.stream().map(ContainerContext::id).collect(Collectors.toSet());
    try {
      provisioner.recover(live);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void cleanup(ContainerContext container) {
    try {
      provisioner.destroy(container.id());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
