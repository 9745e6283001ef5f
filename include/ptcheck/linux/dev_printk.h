/* ptcheck kernel include tree: dev_err and friends, printed as "<device name>: message". */
#ifndef PTC_LINUX_DEV_PRINTK_H
#define PTC_LINUX_DEV_PRINTK_H

#include <linux/bug.h>
#include <linux/printk.h>

struct device;
static inline const char *dev_name(const struct device *dev);

#define dev_printk(level, dev, fmt, ...) ptc_k_printk(level "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_emerg(dev, fmt, ...) dev_printk(KERN_EMERG, dev, fmt, ##__VA_ARGS__)
#define dev_alert(dev, fmt, ...) dev_printk(KERN_ALERT, dev, fmt, ##__VA_ARGS__)
#define dev_crit(dev, fmt, ...) dev_printk(KERN_CRIT, dev, fmt, ##__VA_ARGS__)
#define dev_err(dev, fmt, ...) dev_printk(KERN_ERR, dev, fmt, ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...) dev_printk(KERN_WARNING, dev, fmt, ##__VA_ARGS__)
#define dev_notice(dev, fmt, ...) dev_printk(KERN_NOTICE, dev, fmt, ##__VA_ARGS__)
#define dev_info(dev, fmt, ...) dev_printk(KERN_INFO, dev, fmt, ##__VA_ARGS__)
#define dev_dbg(dev, fmt, ...) \
  __extension__({ if (0) ptc_k_printk("%s: " fmt, dev_name(dev), ##__VA_ARGS__); })
#define dev_vdbg dev_dbg
#define dev_err_once dev_err
#define dev_warn_once dev_warn
#define dev_info_once dev_info
#define dev_err_ratelimited dev_err
#define dev_warn_ratelimited dev_warn
#define dev_WARN(dev, format, ...) WARN(1, "%s: " format, dev_name(dev), ##__VA_ARGS__)
#define dev_WARN_ONCE(dev, condition, format, ...) WARN(condition, "%s: " format, dev_name(dev), ##__VA_ARGS__)

#endif
