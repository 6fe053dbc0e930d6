package io.corral.actors;

import io.corral.isolators.Isolator;
import io.corral.posix.Linux;
import io.corral.posix.launch.Launcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a containerizer is built from. {@code ops} wires the real kernel; tests pass
 * fakes. {@code isolators} are already created and in their fixed prepare order.
 *
 * @param workDir sandboxes live at {@code <workDir>/containers/<id>}
 * @param runtimeDir runtime state at {@code <runtimeDir>/containers/<id>}
 * @param isolators the enabled isolators, in prepare order (cleanup runs in reverse)
 * @param launcher starts containers through corral-init
 * @param linux the kernel facade
 * @param launchTimeout how long a launch may take from fork to exec before it is destroyed
 */
public record ContainerizerSettings(
    Path workDir,
    Path runtimeDir,
    List<Isolator> isolators,
    Launcher launcher,
    Linux linux,
    Duration launchTimeout) {

  public ContainerizerSettings {
    isolators = List.copyOf(isolators);
  }
}
