package io.prefstream.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Map;

/** Checks that the loopback ports a command will listen on are free, before anything starts. */
final class LocalPorts {

    private LocalPorts() {}

    /**
     * @param ports what the user gave (e.g. {@code --http-port 8080}) to the port; 0 (any free port) is skipped
     * @throws UsageException naming every port in use and the flag that chose it
     */
    static void requireFree(Map<String, Integer> ports) {
        var busy = new ArrayList<String>();
        ports.forEach((flag, port) -> {
            if (port != 0 && !free(port)) {
                busy.add(flag);
            }
        });
        if (!busy.isEmpty()) {
            throw new UsageException("port in use on 127.0.0.1: " + String.join(", ", busy) + "; stop what listens "
                    + "there (another 'prefstream up'?) or choose another port (0 = any free one)");
        }
    }

    static boolean free(int port) {
        try (var socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
