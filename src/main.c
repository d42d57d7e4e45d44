/* Placeholder entry point; replaced by the FastCGI front. */
#include <fcgiapp.h>
#include <stdio.h>

int main(void)
{
    if (FCGX_Init() != 0)
        return 1;
    puts("bucketlist " BUCKETLIST_VERSION);
    return 0;
}
