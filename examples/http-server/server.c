/* server PORT: a tiny HTTP server for the benchfs example. Every request
 * gets the same small response after WORK rounds of busy work (a commit of
 * the example repository raises WORK: the slowdown a benchmark should see).
 * One thread per connection, keep-alive, as a load generator expects. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WORK 2000

static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
			       "Content-Type: text/plain\r\n\r\nok\n";

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[4096];
	size_t have = 0;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *end;
		have += (size_t)n;
		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n"))) { /* one request per header block */
			volatile unsigned x = 0;
			for (unsigned i = 0; i < WORK; i++)
				x += i * i;
			if (write(fd, response, sizeof(response) - 1) < 0)
				goto out;
			have -= (size_t)(end + 4 - buf);
			memmove(buf, end + 4, have + 1);
		}
		if (have == sizeof(buf) - 1)
			break; /* a header block this large is not ours to serve */
	}
out:
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

	if (argc != 2 || lfd < 0)
		return 2;
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 128)) {
		perror("server");
		return 1;
	}
	printf("server: listening on 127.0.0.1:%s\n", argv[1]);
	fflush(stdout);
	for (;;) {
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, serve, (void *)(long)fd))
			close(fd);
		else
			pthread_detach(t);
	}
}
