import { Text } from "ink";

/** The question `r` asks before anything is restarted. */
export function ConfirmRestart({ service }: { service: string }) {
  return (
    <Text wrap="truncate" color="yellow" bold>
      Restart {service}? <Text color="white">y</Text> = yes · <Text color="white">n/esc</Text> = no
    </Text>
  );
}

/** The question `q` asks under `mcpd start --tui`, where leaving the view stops the daemon. */
export function ConfirmQuit() {
  return (
    <Text wrap="truncate" color="yellow" bold>
      Quit and stop mcpd, every service with it? <Text color="white">y</Text> = yes · <Text color="white">n/esc</Text> = no
    </Text>
  );
}
