# The POSIX demo (docs/posix.md, "The demo"): init runs /bin/sh on this
# script (/etc/init). Each line is echoed with "+ " before it runs.
echo "hello from the POSIX container"
mkdir /home /home/demo
cd /home/demo
pwd
echo "tessera runs containers" > notes.txt
echo "each one in its own partition" > more.txt
cat notes.txt more.txt
ls
cat notes.txt more.txt | upper | wc
cat < more.txt | grep partition
cat notes.txt | upper > loud.txt
cat loud.txt
cd /nowhere
grep nothing more.txt
cat missing.txt
ls /
crash
echo "still running after the crash"
sh /etc/errors.sh
exit 0
