#ifndef H7_APPS_PLATFORM_DEMO_DEMO_H
#define H7_APPS_PLATFORM_DEMO_DEMO_H

#define DEMO_APP "platform_demo"
#define DEMO_VERSION "0.1.0"
#define DEMO_LINE_MAX 80

void demo_execute(char *line);
void demo_print_help(void);
void demo_error(const char *cmd, const char *message);

#endif
