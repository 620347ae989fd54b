"""The raw floor's consuming side: plain kombu consume-with-ack of COUNT messages, then
print the wall-clock time the last one was acked. Usage: raw_consumer URI QUEUE COUNT."""
import socket
import sys
import time

from kombu import Connection, Consumer, Queue


def main(uri: str, queue_name: str, count: int) -> None:
    received = 0

    def on_message(body, message):
        nonlocal received
        message.ack()
        received += 1

    with Connection(uri) as connection:
        with Consumer(connection, queues=[Queue(queue_name, no_declare=True)], callbacks=[on_message],
                      accept=["json"]) as consumer:
            consumer.qos(prefetch_count=50)
            while received < count:
                try:
                    connection.drain_events(timeout=1)
                except socket.timeout:
                    pass
    print(time.time(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
