from dataset_builder.cli import main

main()
